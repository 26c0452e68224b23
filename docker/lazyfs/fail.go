package main

// Failed subtrees: `ctl fail DIR` makes every operation on DIR (a path
// relative to the mount) and below it answer EIO, as a failed disk under one
// log dir would: reads and writes through handles already open, fsyncs,
// opens, creations, renames and removals, lookups. `ctl heal` clears them.
// The kernel may still answer reads from pages it cached before; every write
// reaches the daemon and fails.

import (
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
)

type failSet struct {
	dirs atomic.Pointer[[]string]
}

func (f *failSet) list() []string {
	if p := f.dirs.Load(); p != nil {
		return append([]string{}, (*p)...)
	}
	return []string{}
}

func (f *failSet) add(dir string) {
	for {
		old := f.dirs.Load()
		next := []string{dir}
		if old != nil {
			for _, d := range *old {
				if d != dir {
					next = append(next, d)
				}
			}
		}
		sort.Strings(next)
		if f.dirs.CompareAndSwap(old, &next) {
			return
		}
	}
}

func (f *failSet) clear() { f.dirs.Store(nil) }

// covers: is rel (relative to the mount) a failed dir or below one?
func (f *failSet) covers(rel string) bool {
	p := f.dirs.Load()
	if p == nil {
		return false
	}
	for _, d := range *p {
		if rel == d || strings.HasPrefix(rel, d+"/") {
			return true
		}
	}
	return false
}

// cleanFailDir checks a `fail` argument: a relative path inside the mount.
func cleanFailDir(arg string) (string, bool) {
	d := filepath.Clean(arg)
	if d == "." || d == "" || filepath.IsAbs(d) || d == ".." || strings.HasPrefix(d, "../") {
		return "", false
	}
	return d, true
}

// failed: the node itself is under a failed dir (EIO), checked before any work.
func (n *node) failed() syscall.Errno {
	if n.lfs.fails.dirs.Load() == nil {
		return 0
	}
	if n.lfs.fails.covers(n.lfs.relPath(n)) {
		return syscall.EIO
	}
	return 0
}

// failedChild: the entry `name` of the directory n is under a failed dir.
func (n *node) failedChild(name string) syscall.Errno {
	if n.lfs.fails.dirs.Load() == nil {
		return 0
	}
	if n.lfs.fails.covers(filepath.Join(n.lfs.relPath(n), name)) {
		return syscall.EIO
	}
	return 0
}
