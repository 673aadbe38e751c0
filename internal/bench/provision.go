package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// admin talks to hermod's admin API to create the run's accounts and
// group type.
type admin struct {
	base, token string
	c           *http.Client
}

func newAdmin(base, token string) *admin {
	return &admin{base: strings.TrimRight(base, "/"), token: token, c: &http.Client{Timeout: 5 * time.Minute}}
}

// ReadTokenFile reads an admin token from a file (hermod writes one to
// <data_dir>/admin-token).
func ReadTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

func (a *admin) do(ctx context.Context, method, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.c.Do(req)
	if err != nil {
		return fmt.Errorf("admin API: %w", err)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("admin API %s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(rb))
	}
	if out != nil {
		return json.Unmarshal(rb, out)
	}
	return nil
}

// batchSize is the most accounts one request creates (the API's limit).
const batchSize = 50_000

// createUsers creates n accounts from first with password, leaving ids
// that exist (from an earlier run) as they are. It returns how many it
// created.
func (a *admin) createUsers(ctx context.Context, first int64, n int, password string) (int, error) {
	created := 0
	for done := 0; done < n; done += batchSize {
		var res struct {
			Created int `json:"created"`
		}
		err := a.do(ctx, "POST", "/v1/users/batch", map[string]any{
			"first_id": first + int64(done), "count": min(batchSize, n-done), "password": password,
			"name_prefix": "b", "skip_existing": true,
		}, &res)
		if err != nil {
			return created, err
		}
		created += res.Created
	}
	defer a.c.CloseIdleConnections()
	return created, nil
}

// createGroupType adds a group type that holds size members, which the
// owner adds directly (no invitations to accept), and returns its id.
func (a *admin) createGroupType(ctx context.Context, size int) (int64, error) {
	defer a.c.CloseIdleConnections()
	var res struct {
		ID int64 `json:"id"`
	}
	err := a.do(ctx, "POST", "/v1/group-types", map[string]any{
		"name": fmt.Sprintf("bench-%d-%d", size, time.Now().UnixNano()), "size_limit": size,
		"invitation_strategy": "OWNER_MANAGER", "guest_speakable": true,
	}, &res)
	return res.ID, err
}
