package sendq

import "testing"

func TestQueue(t *testing.T) {
	q := New[int](2)
	select {
	case <-q.Ready():
		t.Fatal("an empty queue is ready")
	default:
	}
	if !q.Push(1, false) || !q.Push(2, false) {
		t.Fatal("pushes under the limit were refused")
	}
	if q.Push(3, false) {
		t.Fatal("a push over the limit was accepted")
	}
	if !q.Push(4, true) {
		t.Fatal("a forced push was refused")
	}
	select {
	case <-q.Ready():
	default:
		t.Fatal("a non-empty queue is not ready")
	}
	if got := q.Take(); len(got) != 3 || got[0] != 1 || got[2] != 4 {
		t.Fatalf("Take = %v", got)
	}
	if got := q.Take(); got != nil {
		t.Fatalf("a second Take = %v", got)
	}
}
