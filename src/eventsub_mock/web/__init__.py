"""The network layer: aiohttp handlers that translate between sockets and the core."""
