// Command hermod is the hermod IM server and its operator tools.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "hermod:", err)
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "hermod",
		Short:         "An IM server that speaks the Turms protocol and XMPP",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("config", "", "TOML configuration file")
	root.PersistentFlags().String("data-dir", "./hermod-data", "directory for everything the server writes")
	root.AddCommand(newServe(), newUser(), newBench(), &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Fprintln(cmd.OutOrStdout(), "hermod", version) },
	})
	return root
}
