#!/usr/bin/python3
"""Drives slixmpp's ComponentXMPP (an external component, XEP-0114) and a
slixmpp client against hermod: the component authenticates with its
handshake, shows up in the server's disco#items, answers the client's
disco#info with its own identity (an IQ both ways), gets the client's
message from the client's full JID and replies from a JID at its domain.
Exits 0 when every step happened, 1 with a message otherwise."""

import asyncio
import logging
import ssl
import sys

import slixmpp

HOST, PORT, COMPONENT_PORT, DOMAIN = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
COMPONENT = f"echo.{DOMAIN}"
ALICE = f"1001@{DOMAIN}"


async def main():
    loop = asyncio.get_event_loop()
    got = {k: loop.create_future() for k in ("component-start", "alice-start", "component-got", "alice-got")}

    comp = slixmpp.ComponentXMPP(COMPONENT, "s3cret", HOST, COMPONENT_PORT)
    comp.register_plugin("xep_0030")
    comp["xep_0030"].add_identity(category="component", itype="generic", name="hermod echo", jid=COMPONENT)
    comp.add_event_handler("session_start", lambda _: got["component-start"].set_result(True))

    def component_message(msg):
        if msg["type"] in ("chat", "normal") and msg["body"]:
            if not got["component-got"].done():
                got["component-got"].set_result((str(msg["from"]), str(msg["to"]), msg["body"]))
            msg.reply("echo: " + msg["body"]).send()
    comp.add_event_handler("message", component_message)

    alice = slixmpp.ClientXMPP(f"{ALICE}/slix", "pw-1001")
    alice.ssl_context.check_hostname = False
    alice.ssl_context.verify_mode = ssl.CERT_NONE
    alice.register_plugin("xep_0030")

    async def alice_start(_):
        alice.send_presence()
        got["alice-start"].set_result(True)
    alice.add_event_handler("session_start", alice_start)

    def alice_message(msg):
        if msg["body"].startswith("echo: ") and not got["alice-got"].done():
            got["alice-got"].set_result((str(msg["from"]), msg["body"]))
    alice.add_event_handler("message", alice_message)

    comp.connect()
    alice.connect((HOST, PORT))
    await asyncio.wait_for(asyncio.gather(got["component-start"], got["alice-start"]), 20)
    print("component and client connected", flush=True)

    items = await alice["xep_0030"].get_items(jid=DOMAIN, timeout=10)
    jids = [i[0] for i in items["disco_items"]["items"]]
    if COMPONENT not in jids:
        raise SystemExit(f"disco#items of {DOMAIN} does not list {COMPONENT}: {jids}")
    info = await alice["xep_0030"].get_info(jid=COMPONENT, timeout=10)
    identities = info["disco_info"]["identities"]
    if not any(i[0] == "component" and i[3] == "hermod echo" for i in identities):
        raise SystemExit(f"the component's disco#info: {identities}")
    print("disco: listed by the server, answered by the component", flush=True)

    alice.send_message(mto=f"bot@{COMPONENT}", mbody="hello component", mtype="chat")
    frm, to, body = await asyncio.wait_for(got["component-got"], 10)
    if frm != f"{ALICE}/slix" or to != f"bot@{COMPONENT}" or body != "hello component":
        raise SystemExit(f"the component got from={frm} to={to} body={body!r}")
    frm, body = await asyncio.wait_for(got["alice-got"], 10)
    if frm != f"bot@{COMPONENT}" or body != "echo: hello component":
        raise SystemExit(f"alice got from={frm} body={body!r}")
    print("message from the client to the component and its reply", flush=True)

    alice.disconnect()
    comp.disconnect()
    print("OK", flush=True)


if __name__ == "__main__":
    if "-v" in sys.argv:
        logging.basicConfig(level=logging.DEBUG)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(main(), 60))
    except Exception as e:  # noqa: BLE001 - report any failure to the Go test
        print("FAILED:", type(e).__name__, e, flush=True)
        sys.exit(1)
