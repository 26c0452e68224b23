// Command kc-lazyfs is a FUSE loopback file system that keeps file contents
// in memory until fsync, so that a "power off" can drop what was never
// synced (like Jepsen's lazyfs). See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

const usage = `usage:
  kc-lazyfs serve --backing DIR --mount DIR --control SOCKET
  kc-lazyfs ctl --control SOCKET off|on|stats|sync|heal
  kc-lazyfs ctl --control SOCKET fail DIR
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole CLI; it returns the exit status (0 ok, 1 failure,
// 2 bad usage).
func run(args []string, stdout, stderr io.Writer) int {
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "kc-lazyfs: "+format+"\n%s", append(a, usage)...)
		return 2
	}
	if len(args) == 0 {
		return bad("missing command")
	}
	switch args[0] {
	case "serve":
		set := flag.NewFlagSet("serve", flag.ContinueOnError)
		set.SetOutput(io.Discard)
		var cfg serveConfig
		set.StringVar(&cfg.backing, "backing", "", "backing directory")
		set.StringVar(&cfg.mount, "mount", "", "mount point")
		set.StringVar(&cfg.control, "control", "", "control socket path")
		if err := set.Parse(args[1:]); err != nil {
			return bad("serve: %v", err)
		}
		if set.NArg() > 0 {
			return bad("serve: unexpected argument %q", set.Arg(0))
		}
		if cfg.backing == "" || cfg.mount == "" || cfg.control == "" {
			return bad("serve: --backing, --mount and --control are all required")
		}
		cfg.debug = os.Getenv("KC_LAZYFS_DEBUG") != ""
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		err := serve(ctx, cfg, func(line string) { fmt.Fprintln(stdout, line) })
		if err != nil {
			fmt.Fprintf(stderr, "kc-lazyfs serve: %v\n", err)
			return 1
		}
		return 0
	case "ctl":
		set := flag.NewFlagSet("ctl", flag.ContinueOnError)
		set.SetOutput(io.Discard)
		control := set.String("control", "", "control socket path")
		// Accept the command before or after the flag.
		var pos []string
		rest := args[1:]
		for {
			if err := set.Parse(rest); err != nil {
				return bad("ctl: %v", err)
			}
			if set.NArg() == 0 {
				break
			}
			pos = append(pos, set.Arg(0))
			rest = set.Args()[1:]
		}
		if *control == "" {
			return bad("ctl: --control is required")
		}
		words := strings.Fields(strings.Join(pos, " "))
		cmd := strings.Join(words, " ")
		switch {
		case len(words) == 1 && (words[0] == "off" || words[0] == "on" || words[0] == "stats" || words[0] == "sync" || words[0] == "heal"):
		case len(words) == 2 && words[0] == "fail":
		case len(words) == 0:
			return bad("ctl: want a command")
		default:
			return bad("ctl: unknown command %q", cmd)
		}
		if err := ctl(*control, cmd, stdout); err != nil {
			fmt.Fprintf(stderr, "kc-lazyfs ctl: %v\n", err)
			return 1
		}
		return 0
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		return bad("unknown command %q", args[0])
	}
}

type serveConfig struct {
	backing, mount, control string
	debug                   bool
}

// serve mounts, calls ready once the mount is live, and serves until ctx is
// cancelled; then it unmounts. Unsynced data is not written back: a daemon
// exit is a power loss (use `ctl sync` first for a clean shutdown).
func serve(ctx context.Context, cfg serveConfig, ready func(string)) error {
	backing, err := filepath.Abs(cfg.backing)
	if err != nil {
		return err
	}
	mount, err := filepath.Abs(cfg.mount)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(backing); err != nil {
		return fmt.Errorf("backing: %v", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("backing %s is not a directory", backing)
	}
	if mount == backing || strings.HasPrefix(mount, backing+"/") {
		return fmt.Errorf("mount point %s must not be inside the backing directory %s", mount, backing)
	}
	// The kernel already applied the caller's umask to create modes (go-fuse
	// does not negotiate FUSE_DONT_MASK); ours must not mask them again.
	syscall.Umask(0)

	// A daemon that died leaves a dead mount ("transport endpoint is not
	// connected"); detach it so a restarted daemon can mount again.
	var st syscall.Stat_t
	if err := syscall.Stat(mount, &st); errors.Is(err, syscall.ENOTCONN) {
		_ = syscall.Unmount(mount, syscall.MNT_DETACH)
	}
	if err := os.MkdirAll(mount, 0o755); err != nil {
		return err
	}

	lfs, err := newLazyFS(backing)
	if err != nil {
		return err
	}
	ln, err := listenControl(cfg.control)
	if err != nil {
		return fmt.Errorf("control socket: %v", err)
	}
	defer os.Remove(cfg.control)
	defer ln.Close()
	go lfs.serveControl(ln)

	zero := time.Duration(0)
	opts := &fs.Options{
		MountOptions: fuse.MountOptions{
			AllowOther:        true,
			FsName:            "kc-lazyfs",
			Name:              "kc-lazyfs",
			DirectMountStrict: true, // we are root; there is no fusermount
			MaxWrite:          1 << 20,
			// Kernel passthrough would send reads/writes straight to the
			// backing file, bypassing the lazy state. (It is only used for
			// handles implementing FilePassthroughFder, which ours do not;
			// this is belt and braces.)
			DisabledCapabilities: fuse.CAP_PASSTHROUGH,
			Debug:                cfg.debug,
		},
		// No kernel caching of names or attributes: sizes change under the
		// kernel at power off/on.
		EntryTimeout:    &zero,
		AttrTimeout:     &zero,
		NegativeTimeout: &zero,
	}
	server, err := fs.Mount(mount, lfs.root.RootNode, opts)
	if err != nil {
		return fmt.Errorf("mount %s: %v", mount, err)
	}
	ready(fmt.Sprintf("kc-lazyfs: mounted %s on %s", mount, backing))

	done := make(chan struct{})
	go func() { server.Wait(); close(done) }()
	select {
	case <-ctx.Done():
	case <-done:
		return errors.New("file system was unmounted from outside")
	}
	if err := server.Unmount(); err != nil {
		// Still busy (open files): detach it; the kernel aborts the
		// connection once this process exits.
		if err := syscall.Unmount(mount, syscall.MNT_DETACH); err != nil {
			return fmt.Errorf("unmount %s: %v", mount, err)
		}
	}
	return nil
}
