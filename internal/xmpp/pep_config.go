package xmpp

import (
	"encoding/json"
	"strconv"

	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// nodeConfig is a PEP node's configuration: the XEP-0060 options hermod
// acts on. Access and MaxItems are store columns; the rest is kept as JSON.
type nodeConfig struct {
	Access        string `json:"-"`
	MaxItems      int    `json:"-"`
	Persist       bool   `json:"persist_items"`
	NotifyRetract bool   `json:"notify_retract"`
	// SendLast is when the last item goes to a follower: "never", or
	// "on_sub_and_presence" (when they come online).
	SendLast string `json:"send_last_published_item"`
	Title    string `json:"title,omitempty"`
}

// defaultNodeConfig is a new node's configuration (XEP-0163 section 4.1:
// access by presence subscription).
func defaultNodeConfig() nodeConfig {
	return nodeConfig{Access: accessPresence, MaxItems: 1, Persist: true, NotifyRetract: true, SendLast: "on_sub_and_presence"}
}

func configOf(n *store.PEPNode) nodeConfig {
	c := defaultNodeConfig()
	if len(n.Config) > 0 {
		json.Unmarshal(n.Config, &c)
	}
	c.Access, c.MaxItems = n.AccessModel, n.MaxItems
	return c
}

func (c nodeConfig) encode() []byte {
	b, _ := json.Marshal(c)
	return b
}

// formFields returns a data form's fields by var (their values).
func formFields(form *xmlstream.Element) map[string][]string {
	out := map[string][]string{}
	for _, f := range form.Elements() {
		if !f.Is(nsData, "field") || f.Attr("var") == "" {
			continue
		}
		var vals []string
		for _, v := range f.Elements() {
			if v.Is(nsData, "value") {
				vals = append(vals, v.Text())
			}
		}
		out[f.Attr("var")] = vals
	}
	return out
}

// checkForm checks a submitted form's FORM_TYPE, when it has one.
func checkForm(form *xmlstream.Element, formType string) error {
	if !form.Is(nsData, "x") {
		return errBadRequest("a jabber:x:data form is expected")
	}
	if t, ok := formFields(form)["FORM_TYPE"]; ok && (len(t) != 1 || t[0] != formType) {
		return errBadRequest("the form's FORM_TYPE is not " + formType)
	}
	return nil
}

func parseBool(v string) (bool, bool) {
	switch v {
	case "1", "true":
		return true, true
	case "0", "false":
		return false, true
	}
	return false, false
}

// apply sets the options a form gives; maxItems is the most a node may
// keep (what "max" means). Options hermod does not act on are accepted
// and ignored.
func (c *nodeConfig) apply(form *xmlstream.Element, maxItems int) error {
	for name, vals := range formFields(form) {
		v := ""
		if len(vals) > 0 {
			v = vals[0]
		}
		bad := func() error {
			return errNotAcceptable("unsupported value " + strconv.Quote(v) + " of " + name)
		}
		switch name {
		case "pubsub#access_model":
			switch v {
			case accessOpen, accessPresence, accessRoster, accessWhitelist:
				c.Access = v
			default:
				return pubsubErr(errNotAcceptable("access model "+strconv.Quote(v)+" is not supported"), "unsupported-access-model")
			}
		case "pubsub#max_items":
			if v == "max" {
				c.MaxItems = maxItems
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return bad()
			}
			c.MaxItems = min(n, maxItems)
		case "pubsub#persist_items":
			b, ok := parseBool(v)
			if !ok {
				return bad()
			}
			c.Persist = b
		case "pubsub#notify_retract":
			b, ok := parseBool(v)
			if !ok {
				return bad()
			}
			c.NotifyRetract = b
		case "pubsub#send_last_published_item":
			switch v {
			case "never", "on_sub_and_presence":
				c.SendLast = v
			case "on_sub":
				c.SendLast = "on_sub_and_presence" // subscriptions here are presence
			default:
				return bad()
			}
		case "pubsub#title":
			c.Title = v
		}
	}
	return nil
}

// satisfies reports whether the node's configuration meets publish-options
// preconditions (XEP-0060 section 7.1.5): every option hermod knows has
// the value asked for.
func (c nodeConfig) satisfies(form *xmlstream.Element, maxItems int) bool {
	want := c
	if want.apply(form, maxItems) != nil {
		return false
	}
	return want == c
}

// form renders the configuration as a pubsub#node_config form.
func (c nodeConfig) form(maxItems int) *xmlstream.Element {
	x := xmlstream.New(nsData, "x", "type", "form")
	field := func(name, typ, label string, value string, options ...string) {
		f := xmlstream.New(nsData, "field", "var", name, "type", typ, "label", label)
		for _, o := range options {
			f.Add(xmlstream.New(nsData, "option").Add(xmlstream.New(nsData, "value").AddText(o)))
		}
		f.Add(xmlstream.New(nsData, "value").AddText(value))
		x.Add(f)
	}
	b := func(v bool) string {
		if v {
			return "1"
		}
		return "0"
	}
	field("FORM_TYPE", "hidden", "", nsPubSub+"#node_config")
	field("pubsub#access_model", "list-single", "Who may read the items", c.Access, accessOpen, accessPresence, accessRoster, accessWhitelist)
	field("pubsub#max_items", "text-single", "Items kept (at most "+strconv.Itoa(maxItems)+")", strconv.Itoa(c.MaxItems))
	field("pubsub#persist_items", "boolean", "Keep items", b(c.Persist))
	field("pubsub#notify_retract", "boolean", "Tell followers of retracted items", b(c.NotifyRetract))
	field("pubsub#send_last_published_item", "list-single", "When to send the last item", c.SendLast, "never", "on_sub_and_presence")
	field("pubsub#deliver_notifications", "boolean", "Deliver notifications", "1")
	field("pubsub#deliver_payloads", "boolean", "Deliver payloads with notifications", "1")
	field("pubsub#title", "text-single", "Title", c.Title)
	return x
}
