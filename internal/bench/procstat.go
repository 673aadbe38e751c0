package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// clockTicks is USER_HZ, the unit of CPU times in /proc/PID/stat: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// procSample is one reading of a process's memory and CPU.
type procSample struct {
	rss int64         // resident set, bytes
	cpu time.Duration // user + system time so far
}

// readProc samples pid from /proc.
func readProc(pid int) (procSample, error) {
	statm, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return procSample{}, err
	}
	f := bytes.Fields(statm)
	if len(f) < 2 {
		return procSample{}, errors.New("bench: unexpected /proc statm")
	}
	pages, err := strconv.ParseInt(string(f[1]), 10, 64)
	if err != nil {
		return procSample{}, fmt.Errorf("bench: /proc statm: %w", err)
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procSample{}, err
	}
	// The command name in parentheses may hold spaces: count fields after it.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return procSample{}, errors.New("bench: unexpected /proc stat")
	}
	fields := bytes.Fields(stat[i+1:])
	// After the name: state is field 3 of the whole line, utime 14, stime 15.
	if len(fields) < 13 {
		return procSample{}, errors.New("bench: short /proc stat")
	}
	utime, err1 := strconv.ParseInt(string(fields[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(fields[12]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return procSample{}, fmt.Errorf("bench: /proc stat: %w", err)
	}
	return procSample{
		rss: pages * int64(os.Getpagesize()),
		cpu: time.Duration(utime+stime) * time.Second / clockTicks,
	}, nil
}
