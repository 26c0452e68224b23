package main

// Control socket: one command line in, one JSON line out, then close.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
)

const maxDroppedListed = 50

// Replies are one struct per command so the JSON has exactly their fields.
type errReply struct {
	OK    bool   `json:"ok"`
	State string `json:"state"`
	Error string `json:"error"`
}

type offReply struct {
	OK           bool       `json:"ok"`
	State        string     `json:"state"`
	Files        int        `json:"files"`
	DroppedBytes int64      `json:"droppedBytes"`
	Dropped      []lostFile `json:"dropped"`
}

type onReply struct {
	OK          bool   `json:"ok"`
	State       string `json:"state"`
	Invalidated int    `json:"invalidated"`
}

type statsReply struct {
	OK         bool     `json:"ok"`
	State      string   `json:"state"`
	Files      int      `json:"files"`
	DirtyBytes int64    `json:"dirtyBytes"`
	Tracked    int      `json:"tracked"`
	Discarded  int64    `json:"discardedOps"`
	Failed     []string `json:"failed"`
}

type failReply struct {
	OK     bool     `json:"ok"`
	State  string   `json:"state"`
	Failed []string `json:"failed"`
}

type syncReply struct {
	OK    bool   `json:"ok"`
	State string `json:"state"`
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`
}

func (l *lazyFS) stateName() string {
	if l.reg.isOff() {
		return "off"
	}
	return "on"
}

// listenControl creates the unix socket, replacing a stale socket file left
// by a previous daemon (but never anything that is not a socket).
func listenControl(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		_ = os.Remove(path)
	}
	return net.Listen("unix", path)
}

func (l *lazyFS) serveControl(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return // listener closed at shutdown
		}
		go l.handleConn(conn)
	}
}

func (l *lazyFS) handleConn(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Minute))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil && line == "" {
		return
	}
	out, _ := json.Marshal(l.command(strings.TrimSpace(line)))
	_, _ = conn.Write(append(out, '\n'))
}

func (l *lazyFS) command(cmd string) any {
	switch cmd {
	case "off":
		return l.cmdOff()
	case "on":
		n := l.invalidateAll()
		l.reg.powerOn()
		return onReply{OK: true, State: "on", Invalidated: n}
	case "stats":
		files, dirty, tracked := l.reg.stats()
		return statsReply{OK: true, State: l.stateName(), Files: files, DirtyBytes: dirty, Tracked: tracked, Discarded: l.reg.discarded.Load(), Failed: l.fails.list()}
	case "heal":
		l.fails.clear()
		return failReply{OK: true, State: l.stateName(), Failed: l.fails.list()}
	case "sync":
		if l.reg.isOff() {
			return errReply{OK: false, State: "off", Error: "power is off; nothing can be synced"}
		}
		files, bytes, err := l.reg.syncAll()
		if err != nil {
			return errReply{OK: false, State: l.stateName(), Error: "sync: " + err.Error()}
		}
		return syncReply{OK: true, State: l.stateName(), Files: files, Bytes: bytes}
	default:
		if arg, ok := strings.CutPrefix(cmd, "fail "); ok {
			dir, valid := cleanFailDir(strings.TrimSpace(arg))
			if !valid {
				return errReply{OK: false, State: l.stateName(), Error: fmt.Sprintf("fail: %q is not a directory inside the mount (give a relative path, e.g. logs-1)", arg)}
			}
			l.fails.add(dir)
			return failReply{OK: true, State: l.stateName(), Failed: l.fails.list()}
		}
		return errReply{OK: false, State: l.stateName(), Error: fmt.Sprintf("unknown command %q (want off, on, stats, sync, fail DIR or heal)", cmd)}
	}
}

func (l *lazyFS) cmdOff() offReply {
	lost := l.reg.powerOff()
	// Paths are computed after the registry lock is gone: they take go-fuse
	// tree locks, and are only informative (a file may be renamed meanwhile).
	var total int64
	for i := range lost {
		total += lost[i].Bytes
		lost[i].Path = l.relPath(lost[i].node)
	}
	sort.Slice(lost, func(i, j int) bool {
		if lost[i].Bytes != lost[j].Bytes {
			return lost[i].Bytes > lost[j].Bytes
		}
		return lost[i].Path < lost[j].Path
	})
	files := len(lost)
	if len(lost) > maxDroppedListed {
		lost = lost[:maxDroppedListed]
	}
	if lost == nil {
		lost = []lostFile{}
	}
	return offReply{OK: true, State: "off", Files: files, DroppedBytes: total, Dropped: lost}
}

func (l *lazyFS) relPath(n *node) string {
	if n == nil {
		return "?"
	}
	return n.Path(l.root.RootNode.EmbeddedInode())
}

// invalidateAll drops the kernel's cached pages and attributes of every
// regular file the mount has handed out, so processes started after power
// comes back read what the backing holds. It runs while still OFF: dirty
// mmap pages the kernel launders during invalidation are discarded.
// Errors (e.g. ENOENT for inodes the kernel already forgot) are ignored.
func (l *lazyFS) invalidateAll() int {
	seen := map[*fs.Inode]bool{}
	var files []*fs.Inode
	stack := []*fs.Inode{l.root.RootNode.EmbeddedInode()}
	for len(stack) > 0 {
		in := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[in] {
			continue
		}
		seen[in] = true
		if in.Mode()&syscall.S_IFMT == syscall.S_IFREG {
			files = append(files, in)
		}
		for _, ch := range in.Children() {
			stack = append(stack, ch)
		}
	}
	// Also files no longer in the tree (unlinked but open, or renamed away
	// from the path go-fuse knows) that have state.
	for _, s := range l.reg.pinAll() {
		l.reg.mu.Lock()
		n := s.node
		l.reg.mu.Unlock()
		if n != nil && !seen[n.EmbeddedInode()] {
			seen[n.EmbeddedInode()] = true
			files = append(files, n.EmbeddedInode())
		}
		l.reg.release(s)
	}
	for _, in := range files {
		_ = in.NotifyContent(0, 0)
	}
	return len(files)
}

// ctl is the client side: send cmd, print the reply line to stdout.
func ctl(socket, cmd string, stdout io.Writer) error {
	conn, err := net.DialTimeout("unix", socket, 5*time.Second)
	if err != nil {
		reason := err.Error()
		var errno syscall.Errno
		if errors.As(err, &errno) {
			reason = errno.Error()
		}
		return fmt.Errorf("cannot connect to control socket %s: %s (is `kc-lazyfs serve --control %s` running?)", socket, reason, socket)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Minute))
	if _, err := fmt.Fprintf(conn, "%s\n", cmd); err != nil {
		return fmt.Errorf("sending %q to %s: %v", cmd, socket, err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading reply from %s: %v", socket, err)
	}
	fmt.Fprint(stdout, line)
	var r errReply
	if err := json.Unmarshal([]byte(line), &r); err != nil {
		return fmt.Errorf("bad reply from %s: %v", socket, err)
	}
	if !r.OK {
		return fmt.Errorf("%s failed: %s", cmd, r.Error)
	}
	return nil
}
