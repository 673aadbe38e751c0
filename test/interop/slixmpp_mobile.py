#!/usr/bin/python3
"""Drives slixmpp's stream management (XEP-0198) and client state indication
(XEP-0352) plugins, and push registration (XEP-0357, by raw IQ: this
slixmpp has no push plugin) against hermod. Alice's phone enables stream
management with resumption, registers an app server (the account "push",
another slixmpp client here, since hermod reaches only local app servers)
and goes inactive: Bob's presence change is held back while his message
arrives at once and is notified to the app server; going active brings the
presence. Then the phone's connection is cut without closing the stream,
Bob writes, and the phone reconnects and resumes: it gets the message.
Exits 0 when every step happened, 1 with a message otherwise."""

import asyncio
import logging
import ssl
import sys
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

HOST, PORT, DOMAIN = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ALICE, BOB, APP = f"1001@{DOMAIN}", f"1002@{DOMAIN}", f"push@{DOMAIN}"
PUBSUB = "http://jabber.org/protocol/pubsub"


def client(jid, password, resource, plugins=()):
    c = slixmpp.ClientXMPP(f"{jid}/{resource}", password)
    c.ssl_context.check_hostname = False
    c.ssl_context.verify_mode = ssl.CERT_NONE
    for p in ("xep_0030", "xep_0004", "xep_0199") + tuple(plugins):
        c.register_plugin(p)
    return c


def check(cond, what):
    if not cond:
        raise SystemExit(what)


async def main():
    loop = asyncio.get_event_loop()
    phone = client(ALICE, "pw-1001", "phone", ("xep_0198", "xep_0352"))
    bob = client(BOB, "pw-1002", "pc")
    app = client(APP, "pw-1003", "svc")
    clients = {"phone": phone, "bob": bob, "app": app}
    started = {n: loop.create_future() for n in clients}
    sm_enabled = loop.create_future()
    state = {"bodies": [], "shows": [], "pushes": [], "resumed": False, "disconnected": False}
    waiters = []

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
            raise SystemExit(f"timed out waiting for {what}; state: {state}")

    def on_start(name, c):
        async def handler(_):
            await c.get_roster()
            c.send_presence()
            if not started[name].done():
                started[name].set_result(True)
        return handler

    for name, c in clients.items():
        c.add_event_handler("session_start", on_start(name, c))

    def phone_message(msg):
        if msg["body"]:
            state["bodies"].append(msg["body"])
            notify()

    def phone_presence(p):
        if p["from"].bare == BOB and p["type"] in ("available", "away", "dnd", "xa", "chat"):
            state["shows"].append(p["show"] or "available")
            notify()

    def on_enabled(_):
        if not sm_enabled.done():
            sm_enabled.set_result(True)

    def on_resumed(_):
        state["resumed"] = True
        notify()

    def on_disconnected(_):
        state["disconnected"] = True
        notify()

    phone.add_event_handler("message", phone_message)
    phone.add_event_handler("presence", phone_presence)
    phone.add_event_handler("sm_enabled", on_enabled)
    phone.add_event_handler("session_resumed", on_resumed)
    phone.add_event_handler("disconnected", on_disconnected)

    def app_push(iq):
        pub = iq.xml.find(f"{{{PUBSUB}}}pubsub/{{{PUBSUB}}}publish")
        fields = {}
        for f in iq.xml.iter("{jabber:x:data}field"):
            fields[f.get("var")] = f.findtext("{jabber:x:data}value")
        state["pushes"].append((iq["from"].bare, pub.get("node") if pub is not None else None, fields))
        iq.reply().send()
        notify()

    app.register_handler(Callback("push", MatchXPath(f"{{jabber:client}}iq/{{{PUBSUB}}}pubsub"), app_push))

    for c in clients.values():
        c.connect((HOST, PORT))
    await asyncio.wait_for(asyncio.gather(*started.values(), sm_enabled), 20)
    check(phone["xep_0198"].sm_id, "stream management was enabled without resumption")
    await until(lambda: "available" in state["shows"], "Bob's presence")
    print("logged in, stream management enabled", flush=True)

    iq = phone.make_iq_set()
    iq.append(ET.fromstring(
        f"<enable xmlns='urn:xmpp:push:0' jid='{APP}' node='phone-node'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
        "<field var='secret'><value>device-token</value></field></x></enable>"))
    await iq.send()
    print("push enabled", flush=True)

    phone["xep_0352"].send_inactive()
    await phone["xep_0199"].ping(jid=DOMAIN)  # the server has it
    bob.send_presence(pshow="away")
    bob.send_message(mto=ALICE, mbody="while inactive", mtype="chat")
    await until(lambda: "while inactive" in state["bodies"] and state["pushes"], "the message and its notification")
    check("away" not in state["shows"], "an inactive client got a presence update")
    frm, node, fields = state["pushes"][0]
    check(frm == ALICE and node == "phone-node", f"notification from {frm} to node {node}")
    check(fields.get("last-message-sender") == BOB and fields.get("message-count") == "1"
          and fields.get("secret") == "device-token", f"notification fields {fields}")
    print("inactive: presence held, message delivered and notified", flush=True)
    phone["xep_0352"].send_active()
    await until(lambda: "away" in state["shows"], "the held presence")
    print("active: the held presence came", flush=True)

    # The phone loses its network: the connection goes without a stream end.
    phone.transport.abort()
    await until(lambda: state["disconnected"], "the phone's disconnection")
    bob.send_message(mto=ALICE, mbody="while away", mtype="chat")
    phone.connect((HOST, PORT))
    await until(lambda: state["resumed"] and "while away" in state["bodies"], "the resumed session's message")
    print("resumed, the message came", flush=True)

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
