"""Webhook messages: the signature against the documented test vector, headers and bodies."""

from __future__ import annotations

import json

from eventsub_mock.protocol import webhooks

SUB = (
    b'{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"enabled","type":"channel.follow",'
    b'"version":"2","cost":0,"condition":{"broadcaster_user_id":"1234","moderator_user_id":"1234"'
    b'},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},'
    b'"created_at":"2024-05-01T11:59:59.987654321Z"}'
)
EVENT = (
    b'{"user_id":"1337","user_login":"awesome_user","user_name":"Awesome_User",'
    b'"broadcaster_user_id":"1234","broadcaster_user_login":"cool_user",'
    b'"broadcaster_user_name":"Cool_User","followed_at":"2024-05-01T12:00:04.17106713Z"}'
)


def test_the_documented_signature_vector() -> None:
    body = webhooks.notification_body(SUB, "event", EVENT)
    assert json.loads(body) == {"subscription": json.loads(SUB), "event": json.loads(EVENT)}
    headers = webhooks.headers(
        message_type=webhooks.NOTIFICATION,
        message_id="befa7b53-d79d-478f-86b9-120f112b044e",
        timestamp="2024-05-01T12:00:05.464757833Z",
        subscription_type="channel.follow",
        subscription_version="2",
        body=body,
        secret="this-is-a-mock-secret",
    )
    assert headers[webhooks.MESSAGE_SIGNATURE] == (
        "sha256=c48f55cb1aaa069dce030fe8f4b0ece35a0ba1facef312e4e50091c72142216c"
    )
    assert headers[webhooks.MESSAGE_RETRY] == "0"
    assert headers["Content-Type"] == "application/json"
    assert len([h for h in headers if h.startswith("Twitch-Eventsub-")]) == 7


def test_unsigned_without_a_secret_and_other_bodies() -> None:
    headers = webhooks.headers(
        message_type=webhooks.REVOCATION,
        message_id="m",
        timestamp="t",
        subscription_type="channel.follow",
        subscription_version="2",
        body=b"{}",
        secret=None,
        retry=3,
    )
    assert webhooks.MESSAGE_SIGNATURE not in headers
    assert headers[webhooks.MESSAGE_RETRY] == "3"
    challenge = webhooks.new_challenge()
    assert challenge.isascii()
    assert json.loads(webhooks.verification_body(challenge, SUB))["challenge"] == challenge
    assert json.loads(webhooks.revocation_body(SUB)) == {"subscription": json.loads(SUB)}
    assert webhooks.challenge_answered(challenge, 200, challenge.encode())
    assert not webhooks.challenge_answered(challenge, 200, b'"' + challenge.encode() + b'"')
    assert not webhooks.challenge_answered(challenge, 500, challenge.encode())


def test_secrets_are_10_to_100_ascii_characters() -> None:
    assert webhooks.valid_secret("s" * 10) and webhooks.valid_secret("s" * 100)
    for bad in ("s" * 9, "s" * 101, "é" * 12, None, 1234567890):
        assert not webhooks.valid_secret(bad)
