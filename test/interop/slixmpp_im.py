#!/usr/bin/python3
"""Drives two slixmpp clients against hermod over STARTTLS: SCRAM login,
roster, a subscription handshake, presence, a chat between the two XMPP
users, and a chat with a Turms-protocol user (an echo bot run by the Go
test). Exits 0 when every step happened, 1 with a message otherwise."""

import asyncio
import logging
import ssl
import sys

import slixmpp

HOST, PORT, DOMAIN = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ALICE, BOB, CAROL = f"1001@{DOMAIN}", f"alice2@{DOMAIN}", f"1003@{DOMAIN}"
BOB_ID_JID = f"1002@{DOMAIN}"


def client(jid, password, resource):
    c = slixmpp.ClientXMPP(f"{jid}/{resource}", password)
    c.ssl_context.check_hostname = False
    c.ssl_context.verify_mode = ssl.CERT_NONE
    c.register_plugin("xep_0030")
    c.register_plugin("xep_0199")
    c.roster.auto_authorize = True
    c.roster.auto_subscribe = False
    return c


async def main():
    loop = asyncio.get_event_loop()
    alice = client(ALICE, "pw-1001", "slix")
    bob = client(BOB, "pw-1002", "slix")  # logs in by login name
    started = {n: loop.create_future() for n in ("alice", "bob")}
    got = {k: loop.create_future() for k in ("bob-echo", "carol-pong", "bob-sees-alice", "alice-sees-bob", "subscribed")}
    mech = {}

    def on_start(name, c):
        async def handler(_):
            await c.get_roster()
            c.send_presence()
            mech[name] = c.plugin["feature_mechanisms"].mech.name if c.plugin["feature_mechanisms"].mech else "?"
            started[name].set_result(True)
        return handler

    # What alice receives and sends of roster and subscription traffic, in
    # order, for the message of a failure.
    trace = []

    def traced(direction):
        def f(stanza):
            text = str(stanza)
            if "jabber:iq:roster" in text or "<presence" in text:
                trace.append(f"{direction} {text[:400]}")
            return stanza
        return f
    alice.add_filter("in", traced("<-"))
    alice.add_filter("out", traced("->"))

    alice.add_event_handler("session_start", on_start("alice", alice))
    bob.add_event_handler("session_start", on_start("bob", bob))

    def bob_message(msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            bob.send_message(mto=msg["from"], mbody="echo: " + msg["body"], mtype="chat")
    bob.add_event_handler("message", bob_message)

    def alice_message(msg):
        body = msg["body"]
        if body == "echo: hello bob" and not got["bob-echo"].done():
            got["bob-echo"].set_result(str(msg["from"]))
        if body == "pong: ping carol" and not got["carol-pong"].done():
            got["carol-pong"].set_result(str(msg["from"]))
    alice.add_event_handler("message", alice_message)

    def available(who, key):
        def handler(pres):
            if pres["from"].bare == who and pres["type"] in ("available", "chat", "away", "dnd", "xa") and not got[key].done():
                got[key].set_result(str(pres["from"]))
        return handler
    alice.add_event_handler("presence_available", available(BOB_ID_JID, "alice-sees-bob"))
    bob.add_event_handler("presence_available", available(ALICE, "bob-sees-alice"))

    def subscribed(pres):
        if pres["from"].bare == BOB_ID_JID and not got["subscribed"].done():
            got["subscribed"].set_result(True)
    alice.add_event_handler("presence_subscribed", subscribed)

    alice.connect((HOST, PORT))
    bob.connect((HOST, PORT))
    await asyncio.wait_for(asyncio.gather(*started.values()), 20)
    print("logged in with", mech, flush=True)
    if not all(m.startswith("SCRAM-") for m in mech.values()):
        raise SystemExit(f"expected SCRAM logins, got {mech}")

    alice.send_presence_subscription(pto=BOB_ID_JID)
    await asyncio.wait_for(got["subscribed"], 10)
    await asyncio.wait_for(asyncio.gather(got["alice-sees-bob"], got["bob-sees-alice"]), 10)
    # slixmpp applies roster results and pushes in its 'roster_update'
    # handler, which may run after this coroutine resumes: wait for the
    # item to be both, from that event, not for get_roster alone.
    both = loop.create_future()

    def roster_both(_=None):
        if alice.client_roster[BOB_ID_JID]["subscription"] == "both" and not both.done():
            both.set_result(True)
    alice.add_event_handler("roster_update", roster_both)
    await alice.get_roster()
    roster_both()
    try:
        await asyncio.wait_for(both, 5)
    except asyncio.TimeoutError:
        pass
    sub = alice.client_roster[BOB_ID_JID]["subscription"]
    if sub != "both":
        raise SystemExit(f"alice's roster item for bob has subscription {sub!r} (roster version {alice.client_roster.version!r}); alice's roster and presence traffic:\n" + "\n".join(trace))
    print("subscribed, both see each other", flush=True)

    alice.send_message(mto=BOB_ID_JID, mbody="hello bob", mtype="chat")
    await asyncio.wait_for(got["bob-echo"], 10)
    print("chat between XMPP users", flush=True)

    alice.send_message(mto=CAROL, mbody="ping carol", mtype="chat")
    await asyncio.wait_for(got["carol-pong"], 10)
    print("chat with a Turms user", flush=True)

    await alice.plugin["xep_0199"].ping(jid=DOMAIN, timeout=5)
    await asyncio.gather(alice.disconnect(), bob.disconnect())
    print("OK", flush=True)


if __name__ == "__main__":
    if "-v" in sys.argv:
        logging.basicConfig(level=logging.DEBUG)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(main(), 60))
    except Exception as e:  # noqa: BLE001 - report any failure to the Go test
        print("FAILED:", type(e).__name__, e, flush=True)
        sys.exit(1)
