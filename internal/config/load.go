package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// EnvPrefix starts every environment variable hermod reads. Sections are
// separated by a double underscore: HERMOD_TURMS__TCP_ADDR is turms.tcp_addr.
const EnvPrefix = "HERMOD_"

// TestEnvPrefix starts the variables of hermod's tests (such as
// HERMOD_TEST_POSTGRES_DSN), which are no settings: a node started where
// they are set (by a test, or in CI) ignores them.
const TestEnvPrefix = "HERMOD_TEST_"

// setting is one key of the configuration.
type setting struct {
	key, help string
	def       any
}

// settings lists every key, in file order, from the Config type's tags.
func settings() []setting {
	var out []setting
	var walk func(t reflect.Type, v reflect.Value, prefix string)
	walk = func(t reflect.Type, v reflect.Value, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			key := prefix + f.Tag.Get("koanf")
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, v.Field(i), key+".")
				continue
			}
			out = append(out, setting{key: key, help: f.Tag.Get("help"), def: v.Field(i).Interface()})
		}
	}
	d := Default()
	walk(reflect.TypeOf(d), reflect.ValueOf(d), "")
	return out
}

// FlagName is the command-line flag for a key: turms.tcp_addr is
// --turms-tcp-addr.
func FlagName(key string) string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(key)
}

// RegisterFlags adds a flag for every setting to fs, except --data-dir,
// which the root command defines for every subcommand.
func RegisterFlags(fs *pflag.FlagSet) {
	for _, s := range settings() {
		if s.key == "data_dir" || fs.Lookup(FlagName(s.key)) != nil {
			continue
		}
		fs.String(FlagName(s.key), fmt.Sprint(s.def), s.help)
	}
}

// Load builds the configuration: defaults, then the TOML file at path (if
// path is not empty), then environment variables from env, then the flags
// of fs that were set on the command line.
func Load(path string, env []string, fs *pflag.FlagSet) (Config, error) {
	k := koanf.New(".")
	if err := k.Load(structs.Provider(Default(), "koanf"), nil); err != nil {
		return Config{}, err
	}
	known := map[string]bool{}
	for _, s := range settings() {
		known[s.key] = true
	}
	if path != "" {
		fk := koanf.New(".")
		if err := fk.Load(file.Provider(path), toml.Parser()); err != nil {
			return Config{}, fmt.Errorf("reading %s: %w", path, err)
		}
		var unknown []string
		for _, key := range fk.Keys() {
			if !known[key] {
				unknown = append(unknown, key)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			return Config{}, fmt.Errorf("%s: unknown settings: %s", path, strings.Join(unknown, ", "))
		}
		if err := k.Merge(fk); err != nil {
			return Config{}, err
		}
	}
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) || strings.HasPrefix(name, TestEnvPrefix) {
			continue
		}
		key := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, EnvPrefix), "__", "."))
		if !known[key] {
			return Config{}, fmt.Errorf("environment variable %s names no setting", name)
		}
		k.Set(key, value)
	}
	if fs != nil {
		for _, s := range settings() {
			if f := fs.Lookup(FlagName(s.key)); f != nil && f.Changed {
				k.Set(s.key, f.Value.String())
			}
		}
	}
	var c Config
	if err := k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{Tag: "koanf"}); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, c.Validate()
}
