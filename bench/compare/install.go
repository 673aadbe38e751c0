package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func needsPeers(columns []string) bool {
	for _, c := range columns {
		if c == "prosody" || c == "ejabberd" {
			return true
		}
	}
	return false
}

// peerPackages are the Debian packages of the peers, by the command each
// installs.
var peerPackages = []struct{ pkg, command string }{
	{"prosody", "prosody"},
	{"ejabberd", "ejabberdctl"},
}

// ensurePeers installs Prosody and ejabberd from Debian when missing, and
// stops the system services their packages may start, so that only the
// comparison's own instances run.
func ensurePeers(ctx context.Context, install bool, env *environment) error {
	// ejabberdctl lives in /usr/sbin, which a user's PATH may lack.
	if !strings.Contains(os.Getenv("PATH"), "/usr/sbin") {
		os.Setenv("PATH", os.Getenv("PATH")+":/usr/sbin:/sbin")
	}
	var missing []string
	for _, p := range peerPackages {
		if _, err := exec.LookPath(p.command); err != nil {
			missing = append(missing, p.pkg)
		}
	}
	if len(missing) > 0 {
		if !install {
			return fmt.Errorf("%s missing: apt-get install -y %s", strings.Join(missing, " and "), strings.Join(missing, " "))
		}
		if os.Geteuid() != 0 {
			return fmt.Errorf("%s missing and not root: run `apt-get install -y %s` first", strings.Join(missing, " and "), strings.Join(missing, " "))
		}
		env.logf("installing %s from Debian", strings.Join(missing, " "))
		for _, args := range [][]string{{"update"}, append([]string{"install", "-y"}, missing...)} {
			cmd := exec.CommandContext(ctx, "apt-get", args...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			cmd.Stdout, cmd.Stderr = env.log, env.log
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("apt-get %s: %w", args[0], err)
			}
		}
	}
	return stopSystemServices(ctx, env)
}

// stopSystemServices stops and disables the packages' own services where
// they run: the comparison runs its own instances, one at a time.
func stopSystemServices(ctx context.Context, env *environment) error {
	var errs []error
	for _, svc := range []string{"prosody", "ejabberd"} {
		if _, err := os.Stat("/run/systemd/system"); err == nil {
			if exec.CommandContext(ctx, "systemctl", "is-active", "--quiet", svc).Run() == nil ||
				exec.CommandContext(ctx, "systemctl", "is-enabled", "--quiet", svc).Run() == nil {
				env.logf("stopping and disabling the system's %s service", svc)
				if out, err := exec.CommandContext(ctx, "systemctl", "disable", "--now", svc).CombinedOutput(); err != nil {
					errs = append(errs, fmt.Errorf("systemctl disable --now %s: %v: %s", svc, err, out))
				}
			}
			continue
		}
		if _, err := exec.LookPath("service"); err != nil {
			continue
		}
		if exec.CommandContext(ctx, "service", svc, "status").Run() == nil {
			env.logf("stopping the system's %s service", svc)
			if out, err := exec.CommandContext(ctx, "service", svc, "stop").CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("service %s stop: %v: %s", svc, err, out))
			}
		}
	}
	return errors.Join(errs...)
}
