#!/usr/bin/env python3
"""A fast webhook sink for benchmarks: asyncio, HTTP/1.1 keep-alive, answers 204 without
verifying, and writes "<count> <first-arrival> <last-arrival>" to STATEFILE every 0.2 s.

    fast_receiver.py PORT STATEFILE
"""
import asyncio
import sys
import time

port, state_path = int(sys.argv[1]), sys.argv[2]
count, first, last = 0, 0.0, 0.0
ids = set()


async def handle(reader, writer):
    global count, first, last
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            msg_id = b""
            for line in head.split(b"\r\n"):
                k, _, v = line.partition(b":")
                k = k.strip().lower()
                if k == b"content-length":
                    length = int(v)
                elif k == b"webhook-id":
                    msg_id = v.strip()
            if length:
                await reader.readexactly(length)
            now = time.time()
            if not first:
                first = now
            last = now
            count += 1
            ids.add(msg_id)
            writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def report():
    while True:
        with open(state_path, "w") as f:
            f.write(f"{count} {len(ids)} {first} {last}\n")
        await asyncio.sleep(0.2)


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
    asyncio.create_task(report())
    async with server:
        await server.serve_forever()


asyncio.run(main())
