#!/usr/bin/python3
"""Drives a slixmpp client (Alice, 1001) against hermod over STARTTLS through
the message features, with a Turms-protocol user (Carol, 1003, a bot run by
the Go test that answers in chat what her Turms client saw, and does to
Alice's chat what Alice asks for):

  XMPP to Turms: a correction (XEP-0308) is an edit, a retraction (XEP-0424)
  a recall, reactions (XEP-0444) reactions, a displayed marker (XEP-0333) a
  read date, a chat state (XEP-0085) a typing status;
  Turms to XMPP: the other way round, each seen by slixmpp's own plugins
  (the retraction as urn:xmpp:message-retract:1, which slixmpp's plugin
  does not parse, by a raw handler);
  in the group's room (XEP-0045), by stanza-id: a correction, reactions and
  a retraction, with Carol a member of the group on Turms.

Exits 0 when every step happened, 1 with a message otherwise."""

import asyncio
import logging
import ssl
import sys

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

HOST, PORT, DOMAIN, ROOM = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
ALICE, CAROL = f"1001@{DOMAIN}", f"1003@{DOMAIN}"
NS_RETRACT = "urn:xmpp:message-retract:1"


async def main():
    loop = asyncio.get_event_loop()
    alice = slixmpp.ClientXMPP(f"{ALICE}/slix", "pw-1001")
    alice.ssl_context.check_hostname = False
    alice.ssl_context.verify_mode = ssl.CERT_NONE
    for p in ("xep_0030", "xep_0045", "xep_0085", "xep_0184", "xep_0308", "xep_0333", "xep_0359", "xep_0424", "xep_0444"):
        alice.register_plugin(p)

    started = loop.create_future()
    waiting = []  # (predicate, future)

    def expect(pred):
        f = loop.create_future()
        waiting.append((pred, f))
        return f

    def offer(kind, msg):
        for pred, f in list(waiting):
            if not f.done() and pred(kind, msg):
                f.set_result(msg)
                waiting.remove((pred, f))

    async def session_start(_):
        await alice.get_roster()
        alice.send_presence()
        started.set_result(True)

    alice.add_event_handler("session_start", session_start)
    alice.add_event_handler("message", lambda m: offer("message", m))
    alice.add_event_handler("message_correction", lambda m: offer("correction", m))
    alice.add_event_handler("reactions", lambda m: offer("reactions", m))
    alice.add_event_handler("marker_displayed", lambda m: offer("displayed", m))
    alice.add_event_handler("chatstate_composing", lambda m: offer("composing", m))
    alice.register_handler(Callback(
        "Retraction 1", MatchXPath("{jabber:client}message/{%s}retract" % NS_RETRACT),
        lambda m: offer("retract", m)))

    def from_carol(kind, body=None):
        def pred(k, m):
            return k == kind and m["from"].bare == CAROL and (body is None or m["body"] == body)
        return pred

    async def wait(fut, what):
        try:
            return await asyncio.wait_for(fut, 10)
        except asyncio.TimeoutError:
            raise SystemExit(f"timed out waiting for {what}")

    def say(body):
        m = alice.make_message(mto=CAROL, mbody=body, mtype="chat")
        m.send()
        return m["id"]

    alice.connect((HOST, PORT))
    await asyncio.wait_for(started, 20)

    # Carol says hello: her message's id is its Turms id.
    hello = expect(from_carol("message", "carol 1"))
    say("hello carol")
    c1 = (await wait(hello, "carol 1"))["id"]
    print("Carol's message carol 1 has id", c1, flush=True)

    # XMPP to Turms.
    seen = expect(from_carol("message", "edited: fixed"))
    typo = say("typo")
    fix = alice.make_message(mto=CAROL, mbody="fixed", mtype="chat")
    fix["replace"]["id"] = typo
    fix.send()
    await wait(seen, "Carol to see the correction as an edit")
    print("a correction is a Turms edit", flush=True)

    seen = expect(from_carol("message", "recalled: mistake"))
    mistake = say("mistake")
    alice.plugin["xep_0424"].send_retraction(mto=CAROL, id=mistake)
    await wait(seen, "Carol to see the retraction as a recall")
    print("a retraction is a Turms recall", flush=True)

    seen = expect(from_carol("message", "reacted: 128077"))
    alice.plugin["xep_0444"].send_reactions(CAROL, c1, ["👍"])
    await wait(seen, "Carol to see the reaction")
    seen = expect(from_carol("message", "unreacted: 128077"))
    alice.plugin["xep_0444"].send_reactions(CAROL, c1, [])
    await wait(seen, "Carol to see the reaction taken back")
    print("reactions are Turms reactions, as differences", flush=True)

    seen = expect(from_carol("message", "typing"))
    state = alice.make_message(mto=CAROL, mtype="chat")
    state["chat_state"] = "composing"
    state.send()
    typing = (await wait(seen, "Carol to see Alice typing"))["id"]
    print("a chat state is a Turms typing status", flush=True)

    # Sending a message moves the sender's read date of the chat to it, so
    # Alice marks Carol's answer to her typing, which is later than any
    # message of Alice's.
    seen = expect(from_carol("message", "read"))
    alice.plugin["xep_0333"].send_marker(CAROL, typing, "displayed")
    await wait(seen, "Carol to see a read date")
    print("a displayed marker is a Turms read date", flush=True)

    # Turms to XMPP.
    got = expect(lambda k, m: from_carol("correction")(k, m) and m["replace"]["id"] == c1)
    say("please edit")
    m = await wait(got, "a correction of carol 1")
    if m["body"] != "carol 1 (edited)":
        raise SystemExit(f"correction body {m['body']!r}")
    print("a Turms edit is a correction", flush=True)

    got = expect(from_carol("reactions"))
    mine = say("please react")
    m = await wait(got, "Carol's reactions")
    if m["reactions"]["id"] != mine or m["reactions"].get_values() != {"🔥"}:
        raise SystemExit(f"reactions {m['reactions']}, want 🔥 on {mine}")
    print("a Turms reaction is an XEP-0444 reaction", flush=True)

    got = expect(from_carol("displayed"))
    mine = say("please read")
    m = await wait(got, "Carol's displayed marker")
    if m["displayed"]["id"] != mine:
        raise SystemExit(f"displayed {m['displayed']['id']}, want {mine}")
    print("a Turms read date is a displayed marker", flush=True)

    c2msg = expect(from_carol("message", "carol 2"))
    got = expect(from_carol("retract"))
    say("please recall")
    c2 = (await wait(c2msg, "carol 2"))["id"]
    m = await wait(got, "the retraction of carol 2")
    retracted = m.xml.find("{%s}retract" % NS_RETRACT).get("id")
    if retracted != c2:
        raise SystemExit(f"retraction of {retracted}, want {c2}")
    print("a Turms recall retracts the XMPP message", flush=True)

    got = expect(from_carol("composing"))
    say("please type")
    await wait(got, "Carol typing")
    print("a Turms typing status is composing", flush=True)

    # The group's room: Carol is a member on Turms, her nick is her name.
    await alice.plugin["xep_0045"].join_muc_wait(ROOM, "alice", maxstanzas=0)
    carol_in_room = f"{ROOM}/Carol"

    def in_room(kind, body=None, sender=carol_in_room):
        def pred(k, m):
            return k == kind and m["type"] == "groupchat" and str(m["from"]) == sender and (body is None or m["body"] == body)
        return pred

    def say_room(body):
        m = alice.make_message(mto=ROOM, mbody=body, mtype="groupchat")
        m.send()
        return m["id"]

    mine = expect(in_room("message", "room typo", f"{ROOM}/alice"))
    seen = expect(in_room("message", "edited: room fixed"))
    typo = say_room("room typo")
    sid = (await wait(mine, "the room to reflect Alice's message"))["stanza_id"]["id"]
    fix = alice.make_message(mto=ROOM, mbody="room fixed", mtype="groupchat")
    fix["replace"]["id"] = typo
    fix.send()
    await wait(seen, "Carol to see the room correction as a group edit")
    print("a room correction is a group edit", flush=True)

    got = expect(in_room("reactions"))
    seen = expect(in_room("message", "reacted: 128064"))
    react = alice.make_message(mto=ROOM, mtype="groupchat")  # send_reactions sends no type
    alice.plugin["xep_0444"].set_reactions(react, sid, ["👀"])
    react.send()
    alice.make_message(mto=ROOM, mbody="room please react", mtype="groupchat").send()
    m = await wait(got, "Carol's reactions in the room")
    if m["reactions"]["id"] != sid or m["reactions"].get_values() != {"🔥"}:
        raise SystemExit(f"room reactions {m['reactions']}, want 🔥 on {sid}")
    await wait(seen, "Carol to see Alice's room reaction")
    print("room reactions are group reactions, both ways", flush=True)

    seen = expect(in_room("message", "recalled: room fixed"))
    alice.plugin["xep_0424"].send_retraction(mto=ROOM, id=sid, mtype="groupchat")
    await wait(seen, "Carol to see the room retraction as a recall")
    print("a room retraction is a group recall", flush=True)

    await alice.disconnect()
    print("OK", flush=True)


if __name__ == "__main__":
    if "-v" in sys.argv:
        logging.basicConfig(level=logging.DEBUG)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(main(), 85))
    except BaseException as e:  # noqa: BLE001 - report any failure to the Go test
        print("FAILED:", type(e).__name__, e, flush=True)
        sys.exit(1)
