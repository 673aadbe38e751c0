package sqlrepo

import (
	"context"
	"database/sql"
	"strings"

	"hermod/internal/store"
)

type users Repos

const userColumns = `id, login_name, name, intro, profile_picture, profile_access_strategy, attributes, active,
	registration_date, last_updated_date, salt, iterations, sha1_stored_key, sha1_server_key, sha256_stored_key, sha256_server_key`

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (x users) Create(ctx context.Context, u *store.User) error {
	c := u.Credentials
	return insertNew(ctx, x.w, `INSERT INTO users (`+userColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
		u.ID, nullString(u.LoginName), u.Name, u.Intro, u.ProfilePicture, u.ProfileAccessStrategy, u.Attributes, u.Active,
		u.RegistrationDate, u.LastUpdatedDate, c.Salt, c.Iterations, c.SHA1.StoredKey, c.SHA1.ServerKey, c.SHA256.StoredKey, c.SHA256.ServerKey)
}

type scanner interface{ Scan(dest ...any) error }

func scanUser(s scanner) (*store.User, error) {
	var u store.User
	var login sql.NullString
	c := &u.Credentials
	err := s.Scan(&u.ID, &login, &u.Name, &u.Intro, &u.ProfilePicture, &u.ProfileAccessStrategy, &u.Attributes, &u.Active,
		&u.RegistrationDate, &u.LastUpdatedDate, &c.Salt, &c.Iterations, &c.SHA1.StoredKey, &c.SHA1.ServerKey, &c.SHA256.StoredKey, &c.SHA256.ServerKey)
	if err != nil {
		return nil, mapErr(err)
	}
	u.LoginName = login.String
	return &u, nil
}

func (x users) Get(ctx context.Context, id int64) (*store.User, error) {
	return scanUser(x.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

func (x users) GetByLoginName(ctx context.Context, name string) (*store.User, error) {
	if name == "" {
		return nil, store.ErrNotFound
	}
	return scanUser(x.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE login_name = ?`, name))
}

func (x users) list(ctx context.Context, query string, args ...any) ([]store.User, error) {
	rows, err := x.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *u)
	}
	return out, rows.Err()
}

func (x users) GetMany(ctx context.Context, ids []int64) ([]store.User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return x.list(ctx, `SELECT `+userColumns+` FROM users WHERE id IN (`+inList(len(ids))+`) ORDER BY id`, int64Args(ids)...)
}

func (x users) List(ctx context.Context, afterID int64, limit int) ([]store.User, error) {
	if limit <= 0 {
		limit = 100
	}
	return x.list(ctx, `SELECT `+userColumns+` FROM users WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
}

func (x users) Count(ctx context.Context) (int64, error) {
	var n int64
	err := x.r.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

func (x users) Update(ctx context.Context, id int64, upd store.UserUpdate) error {
	var sets []string
	var args []any
	add := func(col string, v any) { sets = append(sets, col+" = ?"); args = append(args, v) }
	if upd.LoginName != nil {
		add("login_name", nullString(*upd.LoginName))
	}
	if upd.Name != nil {
		add("name", *upd.Name)
	}
	if upd.Intro != nil {
		add("intro", *upd.Intro)
	}
	if upd.ProfilePicture != nil {
		add("profile_picture", *upd.ProfilePicture)
	}
	if upd.ProfileAccessStrategy != nil {
		add("profile_access_strategy", *upd.ProfileAccessStrategy)
	}
	if upd.Attributes != nil {
		add("attributes", *upd.Attributes)
	}
	if upd.Active != nil {
		add("active", *upd.Active)
	}
	if c := upd.Credentials; c != nil {
		add("salt", c.Salt)
		add("iterations", c.Iterations)
		add("sha1_stored_key", c.SHA1.StoredKey)
		add("sha1_server_key", c.SHA1.ServerKey)
		add("sha256_stored_key", c.SHA256.StoredKey)
		add("sha256_server_key", c.SHA256.ServerKey)
	}
	add("last_updated_date", upd.LastUpdatedDate)
	args = append(args, id)
	return mustAffect(x.w.ExecContext(ctx, `UPDATE users SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...))
}
