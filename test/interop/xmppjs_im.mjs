// Drives two @xmpp/client sessions against hermod (WebSocket or STARTTLS,
// per the service URL): login, roster, a subscription handshake, presence,
// a chat between the two XMPP users and a chat with a Turms-protocol user
// (an echo bot run by the Go test). Prints OK and exits 0 when every step
// happened; exits 1 with a message otherwise.
import { client, xml } from "@xmpp/client";

const [service, domain] = process.argv.slice(2);
const alice = `1001@${domain}`;
const bob = `1002@${domain}`;
const carol = `1003@${domain}`;

const timer = setTimeout(() => fail("timed out"), 60000);

function fail(why) {
  console.log("FAILED:", why);
  process.exit(1);
}

// waiter resolves when a stanza matching pred arrives on c.
function waiter(c, pred) {
  return new Promise((resolve) => {
    const on = (stanza) => {
      if (pred(stanza)) {
        c.removeListener("stanza", on);
        resolve(stanza);
      }
    };
    c.on("stanza", on);
  });
}

function start(username, password, resource) {
  const c = client({ service, domain, username, password, resource });
  c.on("error", (err) => console.log(username, "error:", err.message));
  return c;
}

const a = start("alice", "pw-1001", "xmppjs");
const b = start("1002", "pw-1002", "xmppjs");

// Bob answers subscription requests and echoes chat messages.
b.on("stanza", (s) => {
  if (s.is("presence") && s.attrs.type === "subscribe") {
    b.send(xml("presence", { to: s.attrs.from.split("/")[0], type: "subscribed" }));
  }
  if (s.is("message") && s.getChildText("body") && s.attrs.type !== "error") {
    b.send(xml("message", { to: s.attrs.from, type: "chat" }, xml("body", {}, "echo: " + s.getChildText("body"))));
  }
});

try {
  const [ja, jb] = await Promise.all([a.start(), b.start()]);
  console.log("logged in as", ja.toString(), jb.toString());
  if (!ja.toString().startsWith(alice + "/")) fail("alice was bound to " + ja.toString() + ", not her numeric JID");

  for (const c of [a, b]) {
    const roster = await c.iqCaller.get(xml("query", { xmlns: "jabber:iq:roster" }));
    if (!roster.getChild("query") && roster.name !== "query") fail("no roster");
  }
  const bobOnline = waiter(a, (s) => s.is("presence") && s.attrs.from?.startsWith(bob + "/") && !s.attrs.type);
  await Promise.all([a.send(xml("presence")), b.send(xml("presence"))]);

  const subscribed = waiter(a, (s) => s.is("presence") && s.attrs.type === "subscribed" && s.attrs.from === bob);
  const pushBoth = waiter(a, (s) => s.is("iq") && s.attrs.type === "set" &&
    s.getChild("query", "jabber:iq:roster")?.getChild("item")?.attrs.subscription === "both");
  await a.send(xml("presence", { to: bob, type: "subscribe" }));
  await subscribed;
  await pushBoth;
  await bobOnline;
  console.log("subscribed, bob is online");

  const echo = waiter(a, (s) => s.is("message") && s.getChildText("body") === "echo: hello bob");
  await a.send(xml("message", { to: bob, type: "chat" }, xml("body", {}, "hello bob")));
  await echo;
  console.log("chat between XMPP users");

  const pong = waiter(a, (s) => s.is("message") && s.getChildText("body") === "pong: ping carol");
  await a.send(xml("message", { to: carol, type: "chat" }, xml("body", {}, "ping carol")));
  const got = await pong;
  if (!got.getChild("stanza-id", "urn:xmpp:sid:0")) fail("no stanza-id on " + got.toString());
  console.log("chat with a Turms user");

  await Promise.all([a.stop(), b.stop()]);
  clearTimeout(timer);
  console.log("OK");
} catch (err) {
  fail(err.stack || err.message);
}
