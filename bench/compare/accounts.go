package main

import (
	"bufio"
	"fmt"
	"os"
)

// accountIDs are the numeric ids of the n accounts. Every server gets the
// same ones; on the XMPP servers the id is the localpart, as it is in
// hermod, so one account list serves all four columns.
func accountIDs(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(firstID + i)
	}
	return ids
}

// writeAccountList writes the list `hermod bench --accounts` reads: one
// "<localpart-or-id> <password>" per line.
func writeAccountList(path string, ids []int64, password string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, id := range ids {
		fmt.Fprintf(w, "%d %s\n", id, password)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
