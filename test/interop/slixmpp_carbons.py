#!/usr/bin/python3
"""Drives slixmpp's carbons plugin (XEP-0280, with XEP-0334 hints) against
hermod: Alice has two slixmpp resources with carbons enabled and a Turms
session (run by the Go test, which relays for her what Bob asks); Bob is
an XMPP user. Each resource must see what the other sends (sent carbons),
what is addressed to the other (received carbons), and what Alice's Turms
session sends (sent carbons), but no private message. Exits 0 when every
step happened, 1 with a message otherwise."""

import asyncio
import logging
import ssl
import sys

import slixmpp

HOST, PORT, DOMAIN = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ALICE, BOB = f"1001@{DOMAIN}", f"1002@{DOMAIN}"


def client(jid, password, resource):
    c = slixmpp.ClientXMPP(f"{jid}/{resource}", password)
    c.ssl_context.check_hostname = False
    c.ssl_context.verify_mode = ssl.CERT_NONE
    for p in ("xep_0030", "xep_0297", "xep_0280", "xep_0334", "xep_0359"):
        c.register_plugin(p)
    return c


def check(cond, what):
    if not cond:
        raise SystemExit(what)


async def main():
    loop = asyncio.get_event_loop()
    desk, mobile = client(ALICE, "pw-1001", "desk"), client(ALICE, "pw-1001", "mobile")
    bob = client(f"alice2@{DOMAIN}", "pw-1002", "pc")  # Bob logs in by login name
    clients = {"desk": desk, "mobile": mobile, "bob": bob}
    started = {n: loop.create_future() for n in clients}
    carbons = {"desk": [], "mobile": []}  # (direction, body, from, to) as they arrive
    waiters = []  # (predicate, future)

    def notify():
        for pred, fut in list(waiters):
            if not fut.done() and pred():
                fut.set_result(True)

    async def until(pred, what):
        fut = loop.create_future()
        waiters.append((pred, fut))
        notify()
        try:
            await asyncio.wait_for(fut, 10)
        except asyncio.TimeoutError:
            raise SystemExit(f"timed out waiting for {what}; carbons so far: {carbons}; bob got {bob_got}")

    def on_start(name, c):
        async def handler(_):
            await c.get_roster()
            c.send_presence()
            if name != "bob":
                await c["xep_0280"].enable()
            started[name].set_result(True)
        return handler

    def on_carbon(name, direction):
        def handler(msg):
            m = msg[f"carbon_{direction}"]
            carbons[name].append((direction, m["body"], m["from"], m["to"]))
            notify()
        return handler

    direct = {"desk": [], "mobile": []}

    def on_message(name):
        def handler(msg):
            if msg["body"]:
                direct[name].append(msg["body"])
                notify()
        return handler

    bob_got = []

    def bob_message(msg):
        if msg["body"]:
            bob_got.append(msg["body"])
            notify()

    for name, c in clients.items():
        c.add_event_handler("session_start", on_start(name, c))
        if name != "bob":
            c.add_event_handler("carbon_sent", on_carbon(name, "sent"))
            c.add_event_handler("carbon_received", on_carbon(name, "received"))
            c.add_event_handler("message", on_message(name))
    bob.add_event_handler("message", bob_message)
    for c in clients.values():
        c.connect((HOST, PORT))
    await asyncio.wait_for(asyncio.gather(*started.values()), 20)
    info = await desk["xep_0030"].get_info(jid=DOMAIN)
    check("urn:xmpp:carbons:2" in info["disco_info"]["features"], "the server does not announce carbons")
    print("logged in, carbons enabled", flush=True)

    def has(name, direction, body):
        return any(d == direction and b == body for d, b, _, _ in carbons[name])

    desk.send_message(mto=BOB, mbody="hello bob", mtype="chat")
    await until(lambda: has("mobile", "sent", "hello bob") and "hello bob" in bob_got, "the sent carbon")
    _, _, frm, to = next(c for c in carbons["mobile"] if c[1] == "hello bob")
    check(frm == desk.boundjid and to.bare == BOB, f"sent carbon from {frm} to {to}")
    print("sent carbon", flush=True)

    bob.send_message(mto=desk.boundjid, mbody="for the desk", mtype="chat")
    await until(lambda: "for the desk" in direct["desk"] and has("mobile", "received", "for the desk"), "the received carbon")
    check("for the desk" not in direct["mobile"], "the mobile got the desk's message itself")
    print("received carbon", flush=True)

    m = desk.make_message(mto=BOB, mbody="secret", mtype="chat")
    m.enable("carbon_private")
    m.enable("no-copy")
    m.send()
    desk.send_message(mto=BOB, mbody="after the secret", mtype="chat")
    await until(lambda: has("mobile", "sent", "after the secret") and "secret" in bob_got, "the carbon after a private message")
    check(not has("mobile", "sent", "secret"), "a private message was copied")
    print("private message not copied", flush=True)

    # Alice's Turms session sends what Bob asks it to relay.
    bob.send_message(mto=ALICE, mbody="relay: from Alice's Turms app", mtype="chat")
    await until(lambda: all(has(n, "sent", "from Alice's Turms app") for n in ("desk", "mobile"))
                and "from Alice's Turms app" in bob_got, "sent carbons of the Turms session's message")
    _, _, frm, to = next(c for c in carbons["desk"] if c[1] == "from Alice's Turms app")
    check(frm.bare == ALICE and to.bare == BOB, f"Turms sent carbon from {frm} to {to}")
    print("sent carbons of a Turms message", flush=True)

    await asyncio.gather(*(c.disconnect() for c in clients.values()))
    print("OK", flush=True)


if __name__ == "__main__":
    if "-v" in sys.argv:
        logging.basicConfig(level=logging.DEBUG)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(main(), 60))
    except Exception as e:  # noqa: BLE001 - report any failure to the Go test
        print("FAILED:", type(e).__name__, e, flush=True)
        sys.exit(1)
