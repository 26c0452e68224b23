package main

// These tests mount a real FUSE file system (root and /dev/fuse needed) and
// drive power off/on through the control socket, as the harness does.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestMain doubles as the daemon: mountEnv re-executes the test binary with
// KC_LAZYFS_TEST_DAEMON=1 to run `kc-lazyfs serve` in its own process. The
// FUSE server must not live in the test process: a goroutine touching mmap'd
// FUSE memory blocks its thread in a page fault the Go runtime cannot
// preempt, and a stop-the-world GC then deadlocks against the server
// goroutines that would resolve the fault.
func TestMain(m *testing.M) {
	if os.Getenv("KC_LAZYFS_TEST_DAEMON") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

type env struct {
	t                    *testing.T
	backing, mnt, socket string
	d                    *daemon // the running daemon
}

func mountEnv(t *testing.T) *env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount FUSE")
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse")
	}
	dir := t.TempDir()
	e := &env{t: t, backing: filepath.Join(dir, "backing"), mnt: filepath.Join(dir, "mnt"), socket: filepath.Join(dir, "ctl.sock")}
	if err := os.Mkdir(e.backing, 0o755); err != nil {
		t.Fatal(err)
	}
	e.d = e.start()
	t.Cleanup(func() {
		if err := e.d.stop(syscall.SIGTERM); err != nil {
			t.Error(err)
		}
		var st syscall.Statfs_t
		if syscall.Statfs(e.mnt, &st) == nil && st.Type == 0x65735546 { // FUSE_SUPER_MAGIC
			t.Errorf("%s still mounted after SIGTERM", e.mnt)
		}
	})
	return e
}

type daemon struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	exited chan error
}

// start runs `kc-lazyfs serve` for e and waits for its ready line.
func (e *env) start() *daemon {
	t := e.t
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--backing", e.backing, "--mount", e.mnt, "--control", e.socket)
	cmd.Env = append(os.Environ(), "KC_LAZYFS_TEST_DAEMON=1")
	d := &daemon{cmd: cmd, stderr: &bytes.Buffer{}, exited: make(chan error, 1)}
	cmd.Stderr = d.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, stdout)
		d.exited <- cmd.Wait()
	}()
	select {
	case line := <-ready:
		if line != "kc-lazyfs: mounted "+e.mnt+" on "+e.backing+"\n" {
			cmd.Process.Kill()
			t.Fatalf("ready line %q; stderr: %s", line, d.stderr.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("mount timed out; stderr: %s", d.stderr.String())
	}
	return d
}

// stop signals the daemon and waits for it; SIGTERM must exit 0.
func (d *daemon) stop(sig syscall.Signal) error {
	d.cmd.Process.Signal(sig)
	select {
	case err := <-d.exited:
		if err != nil && sig == syscall.SIGTERM {
			return fmt.Errorf("daemon exit: %v; stderr: %s", err, d.stderr.String())
		}
		return nil
	case <-time.After(10 * time.Second):
		d.cmd.Process.Kill()
		return fmt.Errorf("daemon did not exit on %v", sig)
	}
}

func (e *env) m(name string) string { return filepath.Join(e.mnt, name) }
func (e *env) b(name string) string { return filepath.Join(e.backing, name) }

// ctl runs a command through the real socket protocol and decodes the reply.
func (e *env) ctl(cmd string) map[string]any {
	e.t.Helper()
	var out bytes.Buffer
	var errb bytes.Buffer
	if code := run([]string{"ctl", "--control", e.socket, cmd}, &out, &errb); code != 0 {
		e.t.Fatalf("ctl %s: exit %d: %s", cmd, code, errb.String())
	}
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		e.t.Fatalf("ctl %s: bad JSON %q: %v", cmd, out.String(), err)
	}
	if r["ok"] != true {
		e.t.Fatalf("ctl %s: %v", cmd, r)
	}
	return r
}

func (e *env) powerCycle() map[string]any {
	r := e.ctl("off")
	e.ctl("on")
	return r
}

func mustWrite(t *testing.T, path string, data []byte, flag int) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	return f
}

// writeFile writes and closes without fsync.
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	f := mustWrite(t, path, data, os.O_CREATE|os.O_WRONLY|os.O_TRUNC)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// writeSynced writes, fsyncs and closes.
func writeSynced(t *testing.T, path string, data []byte) {
	t.Helper()
	f := mustWrite(t, path, data, os.O_CREATE|os.O_WRONLY|os.O_TRUNC)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func fsyncPath(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func expectContent(t *testing.T, what, path string, want []byte) {
	t.Helper()
	got := readFile(t, path)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %s has %d bytes %s, want %d bytes %s", what, path, len(got), short(got), len(want), short(want))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != int64(len(want)) {
		t.Fatalf("%s: stat %s size %d, want %d", what, path, fi.Size(), len(want))
	}
}

func short(b []byte) string {
	if len(b) > 40 {
		return strings.TrimSpace(string(b[:20])) + "..." + string(b[len(b)-20:])
	}
	return string(b)
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + (seed+byte(i%23))%26
	}
	return b
}

func TestWriteReadBack(t *testing.T) {
	e := mountEnv(t)
	data := pattern(3*pageSize+123, 0)
	writeFile(t, e.m("f"), data)
	expectContent(t, "through mount", e.m("f"), data)

	// O_APPEND lands at the logical end.
	f := mustWrite(t, e.m("f"), []byte("TAIL"), os.O_WRONLY|os.O_APPEND)
	f.Close()
	expectContent(t, "after append", e.m("f"), append(data, "TAIL"...))

	// Directories and directory fsync work (metadata is not lazy).
	if err := os.MkdirAll(e.m("d/e"), 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := os.Open(e.m("d"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Sync(); err != nil {
		t.Fatalf("directory fsync: %v", err)
	}
	d.Close()
	if _, err := os.Stat(e.b("d/e")); err != nil {
		t.Fatalf("mkdir not on backing at once: %v", err)
	}
}

func TestFsyncPersists(t *testing.T) {
	e := mountEnv(t)
	data := pattern(10000, 1)
	f := mustWrite(t, e.m("f"), data, os.O_CREATE|os.O_RDWR)
	defer f.Close()
	// The name exists at once (metadata), the data does not.
	if b := readFile(t, e.b("f")); len(b) != 0 {
		t.Fatalf("backing has %d bytes before fsync", len(b))
	}
	if st := e.ctl("stats"); st["files"] != 1.0 || st["dirtyBytes"] != 10000.0 {
		t.Fatalf("stats: %v", st)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if b := readFile(t, e.b("f")); !bytes.Equal(b, data) {
		t.Fatalf("backing after fsync: %d bytes", len(b))
	}
	if st := e.ctl("stats"); st["files"] != 0.0 {
		t.Fatalf("stats after fsync: %v", st)
	}
	// fdatasync persists as well.
	if _, err := f.WriteAt([]byte("XY"), 5); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		t.Fatal(err)
	}
	copy(data[5:], "XY")
	if b := readFile(t, e.b("f")); !bytes.Equal(b, data) {
		t.Fatal("backing after fdatasync differs")
	}
}

func TestOffDropsUnsynced(t *testing.T) {
	e := mountEnv(t)
	synced := pattern(3*pageSize+100, 2)
	writeSynced(t, e.m("f"), synced)

	f := mustWrite(t, e.m("f"), pattern(5000, 3), os.O_WRONLY)
	if _, err := f.WriteAt(pattern(300, 4), int64(len(synced))+2000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	writeFile(t, e.m("g"), []byte("never synced"))

	r := e.ctl("off")
	if r["state"] != "off" || r["files"] != 2.0 {
		t.Fatalf("off reply: %v", r)
	}
	dropped := r["dropped"].([]any)
	first := dropped[0].(map[string]any)
	if first["path"] != "f" || first["syncedSize"] != float64(len(synced)) || first["size"] != float64(len(synced)+2300) {
		t.Fatalf("dropped[0]: %v", first)
	}
	if r["droppedBytes"].(float64) < 5000 {
		t.Fatalf("droppedBytes: %v", r)
	}
	if on := e.ctl("on"); on["state"] != "on" {
		t.Fatalf("on reply: %v", on)
	}
	expectContent(t, "after power cycle", e.m("f"), synced)
	expectContent(t, "unsynced new file", e.m("g"), []byte{})
	expectContent(t, "backing", e.b("f"), synced)
}

func TestWritesDuringOffDiscarded(t *testing.T) {
	e := mountEnv(t)
	base := pattern(6000, 5)
	writeSynced(t, e.m("f"), base)

	f, err := os.OpenFile(e.m("f"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.ctl("off")
	// Mutations are accepted (as a dying kernel's writeback would be) ...
	if _, err := f.WriteAt([]byte("ghost"), 100); err != nil {
		t.Fatalf("write during off: %v", err)
	}
	if _, err := f.WriteAt([]byte("ghost"), 9000); err != nil {
		t.Fatalf("extending write during off: %v", err)
	}
	if err := f.Truncate(10); err != nil {
		t.Fatalf("truncate during off: %v", err)
	}
	if err := f.Sync(); err != nil {
		t.Fatalf("fsync during off: %v", err)
	}
	f.Close()
	// ... metadata changes are refused.
	if err := os.WriteFile(e.m("new"), []byte("x"), 0o644); !errors.Is(err, syscall.EIO) {
		t.Fatalf("create during off: %v, want EIO", err)
	}
	if st := e.ctl("stats"); st["state"] != "off" || st["files"] != 0.0 || st["discardedOps"].(float64) < 4 {
		t.Fatalf("stats during off: %v", st)
	}
	e.ctl("on")
	expectContent(t, "after on", e.m("f"), base)
	expectContent(t, "backing", e.b("f"), base)
	if _, err := os.Stat(e.b("new")); !os.IsNotExist(err) {
		t.Fatalf("file created during off: %v", err)
	}
}

func TestTruncateThenExtendReadsZeros(t *testing.T) {
	e := mountEnv(t)
	old := bytes.Repeat([]byte{'x'}, 3*pageSize)
	writeSynced(t, e.m("f"), old)

	f, err := os.OpenFile(e.m("f"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(100); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(int64(len(old))); err != nil {
		t.Fatal(err)
	}
	// A write into the cut region materialises a page: its untouched bytes
	// must be zero too, not the old backing bytes.
	if _, err := f.WriteAt([]byte("W"), 5000); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, len(old))
	copy(want, old[:100])
	want[5000] = 'W'
	expectContent(t, "before fsync", e.m("f"), want)
	if b := readFile(t, e.b("f")); !bytes.Equal(b, old) {
		t.Fatal("backing changed before fsync")
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	expectContent(t, "backing after fsync", e.b("f"), want)
	e.powerCycle()
	expectContent(t, "after power cycle", e.m("f"), want)
}

func TestOTrunc(t *testing.T) {
	e := mountEnv(t)
	old := pattern(2*pageSize, 6)
	writeSynced(t, e.m("f"), old)

	f := mustWrite(t, e.m("f"), []byte("new"), os.O_WRONLY|os.O_TRUNC)
	f.Close()
	expectContent(t, "after O_TRUNC", e.m("f"), []byte("new"))
	expectContent(t, "backing before fsync", e.b("f"), old)

	// The truncate was lazy too: power loss brings the old content back.
	e.powerCycle()
	expectContent(t, "after power cycle", e.m("f"), old)

	f = mustWrite(t, e.m("f"), []byte("new"), os.O_WRONLY|os.O_TRUNC)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	expectContent(t, "backing after fsync", e.b("f"), []byte("new"))
}

func TestRenameKeepsState(t *testing.T) {
	e := mountEnv(t)
	writeSynced(t, e.m("target"), []byte("old target"))
	data := pattern(7000, 7)
	writeFile(t, e.m("a"), data)
	if err := os.Rename(e.m("a"), e.m("b")); err != nil {
		t.Fatal(err)
	}
	expectContent(t, "renamed", e.m("b"), data)
	if err := os.Rename(e.m("b"), e.m("target")); err != nil {
		t.Fatal(err)
	}
	expectContent(t, "renamed over", e.m("target"), data)
	if b := readFile(t, e.b("target")); len(b) != 0 {
		t.Fatalf("backing has %d bytes before fsync", len(b))
	}
	r := e.ctl("off")
	if r["files"] != 1.0 || r["dropped"].([]any)[0].(map[string]any)["path"] != "target" {
		t.Fatalf("off: %v", r)
	}
	e.ctl("on")
	// The rename itself was metadata, hence durable: the name survives, the
	// unsynced data does not.
	expectContent(t, "after power cycle", e.m("target"), []byte{})

	writeFile(t, e.m("c"), data)
	if err := os.Rename(e.m("c"), e.m("d")); err != nil {
		t.Fatal(err)
	}
	fsyncPath(t, e.m("d"))
	expectContent(t, "backing after rename+fsync", e.b("d"), data)
}

func TestUnlinkDropsState(t *testing.T) {
	e := mountEnv(t)
	writeFile(t, e.m("a"), pattern(9000, 8))
	if st := e.ctl("stats"); st["files"] != 1.0 {
		t.Fatalf("stats: %v", st)
	}
	if err := os.Remove(e.m("a")); err != nil {
		t.Fatal(err)
	}
	if st := e.ctl("stats"); st["files"] != 0.0 || st["tracked"] != 0.0 {
		t.Fatalf("stats after unlink: %v", st)
	}
	// A new file (likely reusing the inode number) starts empty.
	writeFile(t, e.m("a"), []byte("fresh"))
	expectContent(t, "new file", e.m("a"), []byte("fresh"))

	// An unlinked file that is still open keeps its content for its reader.
	f := mustWrite(t, e.m("open"), []byte("still here"), os.O_CREATE|os.O_RDWR)
	defer f.Close()
	if err := os.Remove(e.m("open")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := f.ReadAt(buf, 0); err != nil || string(buf) != "still here" {
		t.Fatalf("read of unlinked open file: %q %v", buf, err)
	}
}

func TestMmapMsyncPersists(t *testing.T) {
	e := mountEnv(t)
	// Like a Kafka index: create, setLength, map read-write, write, msync.
	f, err := os.OpenFile(e.m("idx"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const size = 3 * pageSize
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	copy(mem[10:], "entry-one")
	copy(mem[pageSize+7:], "entry-two")
	if err := unix.Msync(mem, unix.MS_SYNC); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, size)
	copy(want[10:], "entry-one")
	copy(want[pageSize+7:], "entry-two")
	if b := readFile(t, e.b("idx")); !bytes.Equal(b, want) {
		t.Fatalf("backing after msync: %d bytes %q", len(b), short(bytes.Trim(b, "\x00")))
	}
	if err := unix.Munmap(mem); err != nil {
		t.Fatal(err)
	}
	e.powerCycle()
	expectContent(t, "after power cycle", e.m("idx"), want)
}

func TestMmapWithoutMsyncLost(t *testing.T) {
	e := mountEnv(t)
	base := pattern(2*pageSize, 9)
	writeSynced(t, e.m("idx"), base)

	f, err := os.OpenFile(e.m("idx"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, len(base), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	copy(mem[100:], "lost-entry")
	copy(mem[pageSize:], "lost-too")
	// Power cut while the pages are still dirty in the kernel; unmapping
	// afterwards (as process death does) writes them back while OFF.
	e.ctl("off")
	if err := unix.Munmap(mem); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if st := e.ctl("stats"); st["discardedOps"].(float64) < 1 {
		t.Fatalf("munmap writeback was not seen while off: %v", st)
	}
	e.ctl("on")
	expectContent(t, "after power cycle", e.m("idx"), base)
	expectContent(t, "backing", e.b("idx"), base)

	// Written back (munmap) but not msynced before the cut: also lost.
	f, err = os.OpenFile(e.m("idx"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	mem, err = unix.Mmap(int(f.Fd()), 0, len(base), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	copy(mem[200:], "written-back")
	if err := unix.Munmap(mem); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if st := e.ctl("stats"); st["files"] != 1.0 {
		t.Fatalf("munmap writeback did not reach the fs: %v", st)
	}
	e.powerCycle()
	expectContent(t, "after second power cycle", e.m("idx"), base)
}

func TestTwoHandlesShareState(t *testing.T) {
	e := mountEnv(t)
	h1, err := os.OpenFile(e.m("f"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer h1.Close()
	h2, err := os.OpenFile(e.m("f"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Close()
	if _, err := h1.WriteAt([]byte("one"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := h2.WriteAt([]byte("two"), 5000); err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 5003)
	copy(want, "one")
	copy(want[5000:], "two")
	for i, h := range []*os.File{h1, h2} {
		got := make([]byte, 6000)
		n, _ := h.ReadAt(got, 0)
		if !bytes.Equal(got[:n], want) {
			t.Fatalf("handle %d reads %d bytes, want %d", i+1, n, len(want))
		}
	}
	// fsync on one handle persists the other's writes too.
	if err := h2.Sync(); err != nil {
		t.Fatal(err)
	}
	if b := readFile(t, e.b("f")); !bytes.Equal(b, want) {
		t.Fatal("backing after fsync differs")
	}
}

func TestUnalignedOverwriteMerges(t *testing.T) {
	e := mountEnv(t)
	base := pattern(3*pageSize+500, 10)
	writeSynced(t, e.m("f"), base)
	f, err := os.OpenFile(e.m("f"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := append([]byte(nil), base...)
	for _, w := range []struct {
		off  int
		data string
	}{{pageSize - 3, "ACROSS-BOUNDARY"}, {2*pageSize + 1, "mid"}, {len(base) - 2, "PAST-EOF"}} {
		if _, err := f.WriteAt([]byte(w.data), int64(w.off)); err != nil {
			t.Fatal(err)
		}
		if end := w.off + len(w.data); end > len(want) {
			want = append(want, make([]byte, end-len(want))...)
		}
		copy(want[w.off:], w.data)
	}
	expectContent(t, "merged read", e.m("f"), want)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	expectContent(t, "backing after fsync", e.b("f"), want)
}

func TestSyncCommand(t *testing.T) {
	e := mountEnv(t)
	writeFile(t, e.m("a"), pattern(5000, 11))
	writeFile(t, e.m("b"), []byte("bee"))
	r := e.ctl("sync")
	if r["files"] != 2.0 || r["bytes"] != 5003.0 {
		t.Fatalf("sync: %v", r)
	}
	expectContent(t, "backing a", e.b("a"), pattern(5000, 11))
	expectContent(t, "backing b", e.b("b"), []byte("bee"))
	if r := e.ctl("off"); r["files"] != 0.0 {
		t.Fatalf("off after sync: %v", r)
	}
	e.ctl("on")
}

func TestCLIErrors(t *testing.T) {
	var out, errb bytes.Buffer
	sock := filepath.Join(t.TempDir(), "absent.sock")
	if code := run([]string{"ctl", "--control", sock, "stats"}, &out, &errb); code != 1 {
		t.Fatalf("ctl on missing socket: exit %d", code)
	}
	if !strings.Contains(errb.String(), "cannot connect to control socket "+sock) || !strings.Contains(errb.String(), "no such file") {
		t.Fatalf("unclear message: %q", errb.String())
	}
	for _, args := range [][]string{nil, {"bogus"}, {"ctl", "stats"}, {"ctl", "--control", sock}, {"ctl", "--control", sock, "reboot"}, {"serve", "--backing", "x"}} {
		out.Reset()
		errb.Reset()
		if code := run(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), "usage:") {
			t.Fatalf("%q: exit %d, stderr %q", args, code, errb.String())
		}
	}
}

func TestOnInvalidatesKernelCache(t *testing.T) {
	e := mountEnv(t)
	base := pattern(2*pageSize, 12)
	writeSynced(t, e.m("f"), base)
	f, err := os.OpenFile(e.m("f"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("UNSYNCED"), 0); err != nil {
		t.Fatal(err)
	}
	// A mapping that outlives the power cycle: its cached pages are only
	// refreshed if `on` invalidates them (no read(2) or getattr happens).
	mem, err := unix.Mmap(int(f.Fd()), 0, len(base), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(mem)
	if string(mem[:8]) != "UNSYNCED" {
		t.Fatalf("mapping shows %q", mem[:8])
	}
	e.powerCycle()
	if !bytes.Equal(mem, base) {
		t.Fatalf("mapping after power cycle shows %q, want %q", mem[:8], base[:8])
	}
	got := make([]byte, len(base))
	if _, err := f.ReadAt(got, 0); err != nil || !bytes.Equal(got, base) {
		t.Fatalf("read through the old handle: %q %v", got[:8], err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	e := mountEnv(t)
	const writers, chunk, rounds = 4, 3000, 40
	f, err := os.OpenFile(e.m("f"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := make([]byte, writers*chunk*rounds)
	errc := make(chan error, writers+1)
	for w := 0; w < writers; w++ {
		go func(w int) {
			// Each writer owns interleaved, page-unaligned chunks and has
			// its own handle; a reader and fsyncs run concurrently.
			h, err := os.OpenFile(e.m("f"), os.O_RDWR, 0)
			if err != nil {
				errc <- err
				return
			}
			defer h.Close()
			for r := 0; r < rounds; r++ {
				off := (r*writers + w) * chunk
				data := pattern(chunk, byte(w*7+r))
				if _, err := h.WriteAt(data, int64(off)); err != nil {
					errc <- err
					return
				}
				if r%10 == 9 {
					if err := h.Sync(); err != nil {
						errc <- err
						return
					}
				}
			}
			errc <- nil
		}(w)
		for r := 0; r < rounds; r++ {
			copy(want[(r*writers+w)*chunk:], pattern(chunk, byte(w*7+r)))
		}
	}
	go func() {
		buf := make([]byte, 64<<10)
		for i := 0; i < 50; i++ {
			if _, err := f.ReadAt(buf, int64(i*1000)); err != nil && err != io.EOF {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for i := 0; i < writers+1; i++ {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	expectContent(t, "through mount", e.m("f"), want)
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	expectContent(t, "backing", e.b("f"), want)

	// One big write (larger than the 1 MiB FUSE write size) round-trips.
	big := pattern(3<<20+17, 13)
	writeSynced(t, e.m("big"), big)
	expectContent(t, "big backing", e.b("big"), big)
}

func TestRestartAfterDaemonKill(t *testing.T) {
	e := mountEnv(t)
	writeSynced(t, e.m("f"), []byte("synced"))
	f := mustWrite(t, e.m("f"), []byte("-unsynced"), os.O_WRONLY|os.O_APPEND)
	f.Close()
	// Killing the daemon loses its memory like a power cut and leaves a dead
	// mount ("transport endpoint is not connected") that a new daemon must
	// be able to replace, along with the stale socket file.
	if err := e.d.stop(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e.m("f")); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("stat on dead mount: %v, want ENOTCONN", err)
	}
	e.d = e.start()
	expectContent(t, "after restart", e.m("f"), []byte("synced"))
	e.ctl("stats")
}

func TestFailedDirAnswersEIO(t *testing.T) {
	e := mountEnv(t)
	for _, d := range []string{"logs-0", "logs-1"} {
		if err := os.MkdirAll(e.m(d+"/t-0"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, e.m(d+"/t-0/seg"), []byte("before"))
	}
	// A handle opened before the failure.
	open, err := os.OpenFile(e.m("logs-1/t-0/seg"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if r := e.ctl("fail logs-1"); r["ok"] != true || fmt.Sprint(r["failed"]) != "[logs-1]" {
		t.Fatalf("fail: %v", r)
	}
	isEIO := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, syscall.EIO) {
			t.Fatalf("%s: want EIO, got %v", what, err)
		}
	}
	_, err = open.WriteAt([]byte("after"), 6)
	isEIO("write through an open handle", err)
	isEIO("fsync through an open handle", open.Sync())
	_, err = os.OpenFile(e.m("logs-1/t-0/seg"), os.O_RDWR, 0)
	isEIO("open", err)
	_, err = os.Create(e.m("logs-1/t-0/new"))
	isEIO("create", err)
	isEIO("mkdir", os.Mkdir(e.m("logs-1/t-1"), 0o755))
	isEIO("rename into", os.Rename(e.m("logs-0/t-0/seg"), e.m("logs-1/t-0/moved")))
	// The other dir works as before.
	writeFile(t, e.m("logs-0/t-0/seg2"), []byte("fine"))
	expectContent(t, "the healthy dir", e.m("logs-0/t-0/seg2"), []byte("fine"))
	if st := e.ctl("stats"); fmt.Sprint(st["failed"]) != "[logs-1]" {
		t.Fatalf("stats: %v", st)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"ctl", "--control", e.socket, "fail", "../x"}, &out, &errb); code != 1 || !strings.Contains(out.String(), "not a directory inside the mount") {
		t.Fatalf("fail outside the mount: exit %d, %q %q", code, out.String(), errb.String())
	}
	// Healed: the dir works again, with what it held.
	if r := e.ctl("heal"); r["ok"] != true || fmt.Sprint(r["failed"]) != "[]" {
		t.Fatalf("heal: %v", r)
	}
	writeFile(t, e.m("logs-1/t-0/new"), []byte("new"))
	expectContent(t, "after heal", e.m("logs-1/t-0/seg"), []byte("before"))
}
