"""Every refusal the mock answers with: one class per error, carrying its status and message.

The core raises these; the web layer only turns them into responses (`body()`), the Python API
lets them propagate, and the CLI prints their message. Helix answers in the shape
`{"error": <reason phrase>, "status", "message"}`; Twitch's OAuth server leaves `error` out
(`OAuthError`). Messages are Twitch's where production has one, else written for people.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar


class ApiError(Exception):
    """A refusal: `status` and `template` come from the class, details fill the template."""

    status: ClassVar[int] = 400
    template: ClassVar[str] = "the request is not valid"

    def __init__(self, **details: Any) -> None:
        self.details = details
        self.message = self.template.format(**details) if details else self.template
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.message)


def error_body(status: int, message: str) -> dict[str, Any]:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return {"error": phrase, "status": status, "message": message}


class OAuthError(ApiError):
    """Twitch's OAuth server answers `{"status", "message"}`, without `error`."""

    status = 401

    def body(self) -> dict[str, Any]:
        return {"status": self.status, "message": self.message}


# --- request bodies ---------------------------------------------------------------------------


class BodyNotJson(ApiError):
    template = "the request body is not valid JSON: {reason}"


class EmptyBody(ApiError):
    template = "the request body is empty; it must be a JSON object"


class BodyNotObject(ApiError):
    template = "the request body must be a JSON object"


class UnreadableBody(ApiError):
    """A body that could not be read at all: the connection cannot serve another request."""

    template = "{reason}"


class BodyTooLarge(ApiError):
    status = 413
    template = "the request body is too large"


class NotAWebsocketUpgrade(ApiError):
    template = "this endpoint only accepts websocket upgrade requests"


class AtCapacity(ApiError):
    status = 503
    template = "the mock server holds its maximum of {limit} sessions"


# --- who is calling ---------------------------------------------------------------------------


class MissingClientId(ApiError):
    status = 401
    template = "Client-Id header required"


class MalformedAuthorization(ApiError):
    status = 401
    template = "Invalid OAuth token: the Authorization header must be 'Bearer <token>'"


class MissingAccessToken(OAuthError):
    template = "missing authorization token"


class InvalidAccessToken(OAuthError):
    template = "invalid access token"


class MissingOAuthToken(ApiError):
    status = 401
    template = "OAuth token is missing"


class InvalidOAuthToken(ApiError):
    """Unknown, expired or revoked (TwitchIO refreshes its token on exactly this message)."""

    status = 401
    template = "Invalid OAuth token"


class ClientIdMismatch(ApiError):
    status = 401
    template = "Client ID and OAuth token do not match"


class InvalidTransportAndAuth(ApiError):
    """An app token on the websocket transport, which takes user tokens only."""

    template = "invalid transport and auth combination"


class MissingProperAuthorization(ApiError):
    """A missing scope, a condition user that is not the token's, or an app the condition's
    users never authorized."""

    status = 403
    template = "subscription missing proper authorization"


# --- Twitch's OAuth server (`/oauth2/token`, `/oauth2/revoke`) --------------------------------


class OAuthBadRequest(OAuthError):
    status = 400


class OAuthMissingClientId(OAuthBadRequest):
    template = "missing client id"


class OAuthInvalidClient(OAuthBadRequest):
    template = "invalid client"


class OAuthMissingClientSecret(OAuthBadRequest):
    template = "missing client secret"


class OAuthInvalidClientSecret(OAuthError):
    status = 403
    template = "invalid client secret"


class OAuthInvalidGrantType(OAuthBadRequest):
    template = "invalid grant type"


class OAuthMissingRefreshToken(OAuthBadRequest):
    template = "missing refresh token"


class OAuthInvalidRefreshToken(OAuthBadRequest):
    template = "Invalid refresh token"


class OAuthUnknownClient(OAuthError):
    status = 404
    template = "client does not exist"


class OAuthInvalidToken(OAuthBadRequest):
    template = "Invalid token"


class ControlNeedsJson(ApiError):
    """A browser sends a cross-origin `text/plain` or form POST without asking first; one
    with `application/json` needs a preflight, which the control API never allows."""

    status = 415
    template = "the control API takes JSON only: send 'Content-Type: application/json'"


class ControlFromForeignHost(ApiError):
    """A DNS-rebinding page reaches a loopback server under a name of its own."""

    status = 403
    template = (
        "the control API of a server on loopback answers only requests addressed to a loopback "
        "name, not {host!r}"
    )


class ControlTokenRequired(ApiError):
    status = 401
    template = "the control API needs 'Authorization: Bearer <control token>' on this server"


# --- creating subscriptions -------------------------------------------------------------------


class InvalidTypeField(ApiError):
    template = "The value specified in the `type` field is not valid"


class UnknownType(ApiError):
    template = "The value specified in the `type` field is not valid: {type}"


class InvalidVersionField(ApiError):
    template = "The value specified in the `version` field is not valid"


class UnknownVersion(ApiError):
    template = (
        "The combination of values in the `type` and `version` fields is not valid: "
        "{type} has version(s) {versions}"
    )


class VersionRemoved(ApiError):
    status = 410
    template = "This subscription type is not available: {type} v{version}"


class ConditionRequired(ApiError):
    template = "The `condition` field is required and must be an object"


class ConditionNotStrings(ApiError):
    template = "condition values must be strings: {fields}"


class ConditionMissingFields(ApiError):
    template = "condition is missing required fields: {fields}"


class ConditionUnknownFields(ApiError):
    template = "condition has fields that {type} does not take: {fields} (it takes {takes})"


class TransportRequired(ApiError):
    template = "The `transport` field is required and must be an object"


class UnsupportedTransportMethod(ApiError):
    template = "The value specified in the `method` field is not valid: websocket or webhook"


class BatchingRequired(ApiError):
    template = "is_batching_enabled must be true for {type} subscriptions"


class ConduitIdRequired(ApiError):
    template = "The `conduit_id` field is required if you specify the conduit transport method"


class ConduitNeedsAppToken(ApiError):
    status = 401
    template = "Authorization header required with an app access token"


class InvalidShardCount(ApiError):
    template = "Invalid shard count."


class ConduitLimitReached(ApiError):
    status = 429
    template = "Conduit limit reached."


class ConduitNotFound(ApiError):
    status = 404
    template = "Conduit not found."


class ConduitOwnerMismatch(ApiError):
    status = 404
    template = "Conduit's owner must match the client ID in the access token."


class ShardsRequired(ApiError):
    template = "The shards field is required and must list shards"


class UnknownConduit(ApiError):
    template = "conduit {id!r} does not exist or belongs to another client"


class CallbackRequired(ApiError):
    template = "The `callback` field is required if you specify the webhook transport method"


class InvalidSecret(ApiError):
    template = "secret must be between 10 and 100 characters"


class InvalidCallback(ApiError):
    template = "callback must provide valid https callback with standard port in creation request"


class CallbackHostNotAllowed(ApiError):
    """The mock calls loopback callbacks only, so that it is no way to reach other machines."""

    template = (
        "the mock calls only loopback callbacks, not {host!r}: start it with "
        "--allow-callback-host {host} to allow it"
    )


class WebhookNeedsAppToken(ApiError):
    template = "auth must use app access token to create webhook subscription"


class TypeNotOnWebsockets(ApiError):
    template = "{type} is only available to webhooks and conduits, not the websocket transport"


class SessionIdRequired(ApiError):
    template = "The `session_id` field is required if you specify the WebSocket transport method"


class SessionNotConnected(ApiError):
    template = "websocket transport session does not exist or has already disconnected{hint}"


class SessionOwnedByAnotherUser(ApiError):
    template = "websocket transport cannot have subscriptions created by different users"


class SubscriptionExists(ApiError):
    status = 409
    template = "subscription already exists"


class SessionSubscriptionLimit(ApiError):
    status = 429
    template = "websocket transport cannot have more than {limit} enabled subscriptions"


class SameTypeAndConditionLimit(ApiError):
    status = 429
    template = "maximum subscriptions with type and condition exceeded"


class WebsocketTransportLimit(ApiError):
    status = 429
    template = "number of websocket transports limit exceeded"


class TotalCostExceeded(ApiError):
    status = 429
    template = "total cost exceeded: max_total_cost is {limit}"


# --- listing and deleting ---------------------------------------------------------------------


class OneFilterOnly(ApiError):
    template = "The request may specify only one filter query parameter."


class InvalidStatusFilter(ApiError):
    template = "The value in the status query parameter is not valid: {status}"


class InvalidTypeFilter(ApiError):
    template = "The value in the type query parameter is not valid: {type}"


class InvalidCursor(ApiError):
    template = "The cursor in the after query parameter is not valid"


class IdRequired(ApiError):
    template = "The id query parameter is required."


class SubscriptionNotFound(ApiError):
    status = 404
    template = "The subscription was not found."


# --- the control API --------------------------------------------------------------------------


class InvalidControlRequest(ApiError):
    """A control request whose fields are wrong (the control API is the mock's own)."""

    template = "{reason}"


class InvalidFeedQuery(ApiError):
    """A feed request whose filters or `since` are wrong."""

    template = "{reason}"


class NoSuchSession(ApiError):
    status = 404
    template = "session {id!r} does not exist or has disconnected"


class NoSuchSubscription(ApiError):
    status = 404
    template = "subscription {id!r} does not exist"


class UnknownStatus(ApiError):
    template = "unknown status {status!r}; one of: {statuses}"


class CannotEnableClosed(ApiError):
    status = 409
    template = "cannot enable a subscription whose session has closed"


class ReconnectInProgress(ApiError):
    status = 409
    template = "a reconnect is already in progress; wait until its grace period ends ({grace:g} s)"


class InvalidTrigger(ApiError):
    """A trigger the catalogue cannot build (unknown name, bad option, bad override)."""

    template = "{reason}"


class SubscriptionTypeMismatch(ApiError):
    template = "subscription {id} is a {type} v{version} subscription, not {wanted}"


class NothingDelivered(ApiError):
    status = 404
    template = "{reason}"


class UnknownMessageId(ApiError):
    status = 404
    template = (
        "no recent notification has message_id {id!r} (the server keeps at least the last "
        "{bound} notifications it sent)"
    )


class InvalidSubscriptionStatus(ApiError):
    """A trigger's subscription_status that is neither enabled nor a revoking status."""

    template = "subscription_status {status!r} is not enabled or a revoking status: one of {valid}"


class InvalidFaultOption(ApiError):
    """A delivery fault setting with a value it cannot take (`core.faults`)."""

    template = "{name} must be {expected}, not {value!r}"


class UnknownFaultOption(ApiError):
    template = "unknown fault option {name!r}; the options are: {options}"


# --- Helix actions (`core/helix/`) ------------------------------------------------------------


class HelixMissingParameter(ApiError):
    template = 'Missing required parameter "{name}"'


class HelixInvalidParameter(ApiError):
    template = "The value in the {name} field is not valid{why}"


class HelixTooManyValues(ApiError):
    template = "The request may specify at most {limit} {names} values"


class HelixNeedsUserToken(ApiError):
    status = 401
    template = "This endpoint requires a user access token"


class HelixAppNotAuthorized(ApiError):
    """An app token acts for a user (a bot's sender) who has not given the app the scopes."""

    status = 401
    template = "The {who} must have authorized the app with the {scopes} scopes."


class HelixChannelBotMissing(ApiError):
    """An app token's bot chats where the broadcaster did not allow bots and it is no
    moderator."""

    status = 401
    template = (
        "The broadcaster must have authorized the app with the channel:bot scope, "
        "or the sender must be a moderator."
    )


class HelixMissingScope(ApiError):
    status = 401
    template = "Missing scope: {scope}"


class HelixUserMismatch(ApiError):
    """The acting user a request names (broadcaster, moderator, sender) is not the token's."""

    status = 401
    template = "The ID in {field} must match the user ID found in the request's OAuth token."


class HelixNotFound(ApiError):
    status = 404
    template = "{what} was not found"


class DuplicateRewardTitle(ApiError):
    template = "CREATE_CUSTOM_REWARD_DUPLICATE_REWARD"


class HelixNoChannelFields(ApiError):
    template = "The request must update at least one of the channel's fields"


class RaidSelf(ApiError):
    template = "The broadcaster may not raid themselves."


class RaidPending(ApiError):
    status = 409
    template = "The broadcaster is already in the process of raiding another channel."


class NoPendingRaid(ApiError):
    status = 404
    template = "The broadcaster doesn't have a pending raid to cancel."


class NotAModerator(ApiError):
    status = 403
    template = "The user in moderator_id is not one of the broadcaster's moderators."


class CannotBanBroadcaster(ApiError):
    template = "The user specified in the user_id field may not be banned."


class AlreadyBanned(ApiError):
    template = "The user specified in the user_id field is already banned."


class NotBanned(ApiError):
    template = "The user specified in the user_id field is not banned."


class AlreadyModerator(ApiError):
    template = "The user specified in the user_id field is already a moderator."


class NotModerator(ApiError):
    template = "The user specified in the user_id field is not a moderator."


class BannedUserRole(ApiError):
    template = "The user specified in the user_id field is banned from the channel."


class VipNotModerator(ApiError):
    status = 422
    template = "The user is a VIP. To make them a moderator, you must first remove them as a VIP."


class ModeratorNotVip(ApiError):
    status = 422
    template = (
        "The user is a moderator. To make them a VIP, you must first remove them as a moderator."
    )


class AlreadyVip(ApiError):
    status = 422
    template = "The user is already a VIP."


class NotVip(ApiError):
    status = 422
    template = "The user is not a VIP."


class BroadcasterRole(ApiError):
    template = "The broadcaster may not be given or lose a role in their own channel."


class MessageNotFound(ApiError):
    status = 404
    template = "The message specified in the message_id parameter was not found."


class ShoutoutSelf(ApiError):
    template = "The broadcaster may not give themselves a Shoutout."


class ShoutoutCooldown(ApiError):
    status = 429
    template = (
        "The broadcaster may not send a Shoutout now: one every 2 minutes, and the same "
        "channel once every 60 minutes."
    )


class ChoiceCount(ApiError):
    template = "The {field} field must list from {low} to {high} {field}, each with a title."


class AlreadyActive(ApiError):
    template = "The broadcaster already has an active {what}; end it first."


class NotActive(ApiError):
    template = "The {what} is not {state}."


class WinningOutcomeRequired(ApiError):
    template = "The winning_outcome_id field is required to resolve a prediction."


class RewardOfAnotherClient(ApiError):
    status = 403
    template = (
        "The ID in the Client-Id header must match the client ID used to create the custom reward."
    )


class RewardLimit(ApiError):
    template = "CREATE_CUSTOM_REWARD_TOO_MANY_REWARDS"


class RedemptionNotUnfulfilled(ApiError):
    template = "The redemption's status is {status}: only UNFULFILLED redemptions can be updated."


# --- plays: sequences and scenarios -----------------------------------------------------------


class UnknownSequence(ApiError):
    template = 'unknown sequence "{name}"{hint}; the sequences are {names}'


class InvalidPlayOption(ApiError):
    """A sequence option that is wrong; `option` names it (a scenario points at its line)."""

    template = "{reason}"


class InvalidScenario(ApiError):
    """A scenario that cannot run: `where` names the file, line, step and key."""

    template = "{where}: {reason}"


class PlayNotFound(ApiError):
    status = 404
    template = "no play {id!r} (the server keeps the {kept} most recent plays)"


class PlayFailed(ApiError):
    """A play that stopped on a step the server refused (raised by `MockServer.play`)."""

    status = 409
    template = "{reason}"
