package bench

import "testing"

func TestTargetsSpreadPairsOverNodes(t *testing.T) {
	c := &Config{Target: "127.0.0.1:1, 127.0.0.1:2,127.0.0.1:3"}
	got := map[int64]string{}
	for id := int64(10); id < 16; id++ {
		got[id] = c.targetFor(&account{id: id})
	}
	for id := int64(10); id < 16; id += 2 {
		if got[id] == got[id+1] {
			t.Errorf("accounts %d and %d (a chat pair) both go to %s", id, id+1, got[id])
		}
	}
	if a, b := c.targetFor(&account{user: "alice"}), c.targetFor(&account{user: "alice"}); a != b {
		t.Errorf("one account, two targets: %s %s", a, b)
	}
	if one := (&Config{Target: "127.0.0.1:5"}).targetFor(&account{id: 7}); one != "127.0.0.1:5" {
		t.Errorf("a single target: %s", one)
	}
	bad := &Config{Scenario: "chat", Protocol: "turms", Transport: "tcp", Target: "127.0.0.1:1,10.0.0.1:2"}
	if err := bad.Validate(); err == nil {
		t.Error("a non-loopback target among several was accepted")
	}
}
