#!/usr/bin/python3
"""Asks hermod for its STUN and TURN servers (XEP-0215) from slixmpp, as a
calling client does before it sets up a call: the server announces the
feature, lists both services, filters by type, and hands out TURN
credentials in the REST API style, which this script checks by computing
them from the shared secret. slixmpp 1.8 has no XEP-0215 plugin, so the
queries are built by hand on slixmpp's stream.

Arguments: host port domain secret. Exits 0 (printing OK) when every step
happened, 1 with a message otherwise."""

import asyncio
import base64
import hashlib
import hmac
import logging
import ssl
import sys
import time
from datetime import datetime

import slixmpp
from slixmpp.xmlstream import ET

HOST, PORT, DOMAIN, SECRET = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
NS = "urn:xmpp:extdisco:2"


def check(cond, what):
    if not cond:
        raise SystemExit(what)


async def query(c, payload):
    iq = c.make_iq_get(ito=DOMAIN)
    iq.append(ET.fromstring(payload))
    r = await iq.send(timeout=10)
    return r.xml


async def main():
    loop = asyncio.get_event_loop()
    c = slixmpp.ClientXMPP(f"1001@{DOMAIN}/call", "pw-1001")
    c.ssl_context.check_hostname = False
    c.ssl_context.verify_mode = ssl.CERT_NONE
    c.register_plugin("xep_0030")
    started = loop.create_future()

    async def on_start(_):
        started.set_result(True)

    c.add_event_handler("session_start", on_start)
    c.connect((HOST, PORT))
    await asyncio.wait_for(started, 20)

    info = await c["xep_0030"].get_info(jid=DOMAIN, timeout=10)
    check(NS in info["disco_info"]["features"], f"{NS} not announced: {info['disco_info']['features']}")

    r = await query(c, f"<services xmlns='{NS}'/>")
    services = r.findall(f"{{{NS}}}services/{{{NS}}}service")
    check([s.get("type") for s in services] == ["stun", "turn"], f"services: {[s.attrib for s in services]}")
    check(services[0].get("username") is None, "STUN came with credentials")

    r = await query(c, f"<services xmlns='{NS}' type='turn'/>")
    turn = r.findall(f"{{{NS}}}services/{{{NS}}}service")
    check(len(turn) == 1 and turn[0].get("type") == "turn", f"TURN only: {[s.attrib for s in turn]}")
    user, password = turn[0].get("username"), turn[0].get("password")
    check(user and password, f"TURN without credentials: {turn[0].attrib}")
    expiry, _, who = user.partition(":")
    check(who == "1001" and int(expiry) > time.time(), f"TURN username {user}")
    want = base64.b64encode(hmac.new(SECRET.encode(), user.encode(), hashlib.sha1).digest()).decode()
    check(password == want, "the TURN password is not HMAC-SHA1(secret, username)")
    expires = datetime.fromisoformat(turn[0].get("expires").replace("Z", "+00:00"))
    check(int(expires.timestamp()) == int(expiry), f"expires {turn[0].get('expires')} against {expiry}")

    r = await query(c, f"<credentials xmlns='{NS}'><service host='{turn[0].get('host')}' type='turn'/></credentials>")
    creds = r.findall(f"{{{NS}}}credentials/{{{NS}}}service")
    check(len(creds) == 1 and creds[0].get("password"), f"credentials: {[s.attrib for s in creds]}")

    c.disconnect()
    print("OK")


if __name__ == "__main__":
    if "-v" in sys.argv:
        logging.basicConfig(level=logging.DEBUG)
    try:
        asyncio.get_event_loop().run_until_complete(main())
    except SystemExit as e:
        print(e)
        sys.exit(1)
