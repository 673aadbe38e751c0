package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hermod/internal/admin"
	"hermod/internal/config"
	"hermod/internal/domain/event"
	"hermod/internal/domain/user"
	"hermod/internal/idgen"
	"hermod/internal/server"
	"hermod/internal/store/backend"
)

// The user commands work with or without a running server: they ask the
// server's admin API when it answers (so that, for example, a deactivated
// user's sessions close at once), and otherwise open the store directly.

func newUser() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage accounts",
		Long: "Manage accounts. With a server running, the commands go through its admin API (so that,\n" +
			"for example, a deactivated user is disconnected at once); without one, they open the store.",
	}
	config.RegisterFlags(cmd.PersistentFlags())
	var nu admin.NewUser
	add := &cobra.Command{
		Use: "add", Short: "Create an account", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if nu.Password == "" {
				return errors.New("--password is required")
			}
			var u admin.User
			err := withAccounts(cmd, func(a accounts) (err error) { u, err = a.add(nu); return })
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "added user %d\n", u.ID)
			}
			return err
		},
	}
	add.Flags().Int64Var(&nu.ID, "id", 0, "user id (default: a new id)")
	add.Flags().StringVar(&nu.Password, "password", "", "password")
	add.Flags().StringVar(&nu.Name, "name", "", "display name")
	add.Flags().StringVar(&nu.LoginName, "login-name", "", "optional login name (e.g. alice for alice@domain)")
	add.Flags().StringVar(&nu.Intro, "intro", "", "introduction")

	var id int64
	var password string
	passwd := &cobra.Command{
		Use: "passwd", Short: "Set an account's password", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if password == "" {
				p, err := readPassword(cmd.InOrStdin())
				if err != nil {
					return err
				}
				password = p
			}
			err := withAccounts(cmd, func(a accounts) error { return a.passwd(id, password) })
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "password of user %d changed\n", id)
			}
			return err
		},
	}
	passwd.Flags().Int64Var(&id, "id", 0, "user id")
	passwd.Flags().StringVar(&password, "password", "", "new password (default: read from standard input)")

	setActive := func(use string, active bool) *cobra.Command {
		var id int64
		c := &cobra.Command{
			Use: use, Short: strings.ToUpper(use[:1]) + use[1:] + " an account", Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				err := withAccounts(cmd, func(a accounts) error { return a.setActive(id, active) })
				if err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "user %d %sd\n", id, use)
				}
				return err
			},
		}
		c.Flags().Int64Var(&id, "id", 0, "user id")
		return c
	}

	var after int64
	var limit int
	var asJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List accounts", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var us []admin.User
			if err := withAccounts(cmd, func(a accounts) (err error) { us, err = a.list(after, limit); return }); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(out).Encode(us)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tLOGIN\tNAME\tACTIVE")
			for _, u := range us {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%v\n", u.ID, u.LoginName, u.Name, u.Active)
			}
			return tw.Flush()
		},
	}
	list.Flags().Int64Var(&after, "after", 0, "list ids greater than this")
	list.Flags().IntVar(&limit, "limit", 100, "most users to list")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	cmd.AddCommand(add, passwd, setActive("deactivate", false), setActive("activate", true), list)
	return cmd
}

func readPassword(r io.Reader) (string, error) {
	if f, ok := r.(*os.File); ok && isTerminal(f) {
		fmt.Fprint(os.Stderr, "New password: ")
		defer fmt.Fprintln(os.Stderr)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password given")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0 && syscall.Stdin == int(f.Fd())
}

// accounts is the account operations, over the admin API or the store.
type accounts interface {
	add(admin.NewUser) (admin.User, error)
	passwd(id int64, password string) error
	setActive(id int64, active bool) error
	list(after int64, limit int) ([]admin.User, error)
}

func withAccounts(cmd *cobra.Command, fn func(accounts) error) error {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	if cfg.Admin.Addr != "" {
		if token, err := admin.LoadOrCreateToken(cfg.Admin.Token, cfg.DataDir); err == nil || cfg.Admin.Token != "" {
			api := &apiAccounts{base: "http://" + cfg.Admin.Addr, token: token, c: &http.Client{Timeout: 10 * time.Second}}
			if api.up() {
				return fn(api)
			}
		}
	}
	return withStore(cfg, fn)
}

func withStore(cfg config.Config, fn func(accounts) error) error {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	st, err := backend.Open(context.Background(), cfg)
	if err != nil {
		return fmt.Errorf("opening the store (%s): %w", backend.Describe(cfg), err)
	}
	defer st.Close()
	nodeID, release, err := server.LeaseNodeID(cfg, newLogger(cfg))
	if err != nil {
		return err
	}
	defer release()
	ids, err := idgen.New(nodeID)
	if err != nil {
		return err
	}
	uo := user.DefaultOptions()
	uo.Iterations = cfg.Users.ScramIterations
	return fn(storeAccounts{user.New(st, noPublisher{}, ids, uo)})
}

// noPublisher drops events: with no server running, no session can hear them.
type noPublisher struct{}

func (noPublisher) Publish(context.Context, []int64, *event.Event) {}

type storeAccounts struct{ s *user.Service }

func (a storeAccounts) add(nu admin.NewUser) (admin.User, error) {
	u, err := a.s.Add(context.Background(), user.NewUser{ID: nu.ID, Password: nu.Password, Name: nu.Name,
		LoginName: nu.LoginName, Intro: nu.Intro, ProfilePicture: nu.ProfilePicture})
	if err != nil {
		return admin.User{}, err
	}
	return admin.User{ID: u.ID, LoginName: u.LoginName, Name: u.Name, Active: u.Active}, nil
}

func (a storeAccounts) passwd(id int64, pw string) error {
	return a.s.SetPassword(context.Background(), id, pw)
}

func (a storeAccounts) setActive(id int64, active bool) error {
	return a.s.SetActive(context.Background(), id, active)
}

func (a storeAccounts) list(after int64, limit int) ([]admin.User, error) {
	us, err := a.s.List(context.Background(), after, limit)
	out := make([]admin.User, len(us))
	for i, u := range us {
		out[i] = admin.User{ID: u.ID, LoginName: u.LoginName, Name: u.Name, Active: u.Active}
	}
	return out, err
}

type apiAccounts struct {
	base, token string
	c           *http.Client
}

func (a *apiAccounts) up() bool {
	c := &http.Client{Timeout: time.Second}
	resp, err := c.Get(a.base + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (a *apiAccounts) do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s (HTTP %d)", e.Error, resp.StatusCode)
	}
	if out != nil {
		return json.NewDecoder(resp.Body).Decode(out)
	}
	return nil
}

func (a *apiAccounts) add(nu admin.NewUser) (u admin.User, err error) {
	err = a.do("POST", "/v1/users", nu, &u)
	return
}

func (a *apiAccounts) passwd(id int64, pw string) error {
	return a.do("PUT", "/v1/users/"+strconv.FormatInt(id, 10)+"/password", map[string]string{"password": pw}, nil)
}

func (a *apiAccounts) setActive(id int64, active bool) error {
	verb := "deactivate"
	if active {
		verb = "activate"
	}
	return a.do("POST", "/v1/users/"+strconv.FormatInt(id, 10)+"/"+verb, nil, nil)
}

func (a *apiAccounts) list(after int64, limit int) ([]admin.User, error) {
	var out struct {
		Users []admin.User `json:"users"`
	}
	err := a.do("GET", fmt.Sprintf("/v1/users?after=%d&limit=%d", after, limit), nil, &out)
	return out.Users, err
}
