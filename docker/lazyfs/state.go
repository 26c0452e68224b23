package main

// Per-inode lazy page state: the part of kc-lazyfs that simulates the
// volatile page cache of a disk. File contents and file size live here
// until fsync; the backing file is only touched by persist().

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const pageSize = 4096

// fileKey identifies a backing inode. State is keyed by it (not by path or by
// go-fuse node) so that it follows renames, is shared by every handle
// (including the one the kernel picks for mmap writeback), and survives the
// kernel forgetting the FUSE inode while unsynced data is still pending.
type fileKey struct{ dev, ino uint64 }

func keyOf(st *syscall.Stat_t) fileKey { return fileKey{uint64(st.Dev), uint64(st.Ino)} }

// inodeState holds the unsynced changes of one backing inode.
//
// Invariants (under mu):
//   - lowWater <= size: every shrink lowers lowWater, growth never raises it.
//   - backing bytes at or beyond lowWater are logically zero (they were cut
//     off by a truncate that is not yet persisted).
//   - a dirty page is authoritative for its whole 4 KiB; bytes of it beyond
//     size are zero, so growing the file exposes zeros.
type inodeState struct {
	key fileKey

	// fd is an O_RDWR (if possible) descriptor on the backing inode, owned by
	// the state: every backing read/write of this inode goes through it. It is
	// closed when the state is retired (no refs and clean, or orphaned).
	fd       int
	writable bool

	// refs counts open handles and in-flight operations holding the state;
	// node is the last go-fuse node seen for it (for paths in reports and for
	// cache invalidation). Both guarded by registry.mu.
	refs    int
	node    *node
	retired bool

	// dirty mirrors isDirtyLocked() so the registry can decide retirement
	// without taking mu (which persist holds during backing I/O).
	dirty atomic.Bool

	mu       sync.RWMutex
	pages    map[int64][]byte // page index -> pageSize bytes
	size     int64            // logical size
	lowWater int64            // lowest size truncated to since the last sync
	synced   int64            // backing size at the last sync / state creation
	mtime    time.Time        // time of the last lazy change; zero if none
}

func newInodeState(key fileKey, fd int, writable bool, backingSize int64) *inodeState {
	return &inodeState{
		key:      key,
		fd:       fd,
		writable: writable,
		pages:    map[int64][]byte{},
		size:     backingSize,
		lowWater: backingSize,
		synced:   backingSize,
	}
}

func (s *inodeState) isDirtyLocked() bool {
	return len(s.pages) > 0 || s.size != s.synced || s.lowWater != s.synced
}

func (s *inodeState) updateDirtyLocked() { s.dirty.Store(s.isDirtyLocked()) }

// dirtyBytesLocked counts the bytes of dirty pages inside the logical size.
func (s *inodeState) dirtyBytesLocked() int64 {
	var n int64
	for p := range s.pages {
		start := p * pageSize
		if start >= s.size {
			continue
		}
		n += min(pageSize, s.size-start)
	}
	return n
}

// preadFull reads as much of buf as the backing file holds at off; a short
// file leaves the rest of buf untouched (callers pass zeroed buffers).
func preadFull(fd int, buf []byte, off int64) error {
	for len(buf) > 0 {
		n, err := syscall.Pread(fd, buf, off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		buf = buf[n:]
		off += int64(n)
	}
	return nil
}

// pageLocked returns the dirty page p, materialising it from the backing
// bytes that are still logically valid (below lowWater) when it is new.
// With whole set, the caller overwrites the entire page, so no read is needed.
func (s *inodeState) pageLocked(p int64, whole bool) ([]byte, error) {
	if pg, ok := s.pages[p]; ok {
		return pg, nil
	}
	pg := make([]byte, pageSize)
	start := p * pageSize
	valid := min(s.lowWater, s.size)
	if !whole && start < valid {
		if err := preadFull(s.fd, pg[:min(pageSize, valid-start)], start); err != nil {
			return nil, err
		}
	}
	s.pages[p] = pg
	return pg, nil
}

// read fills dest with the logical content at off and returns the count
// (0 at or beyond EOF).
func (s *inodeState) read(dest []byte, off int64) (int, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if off >= s.size || len(dest) == 0 {
		return 0, nil
	}
	end := min(off+int64(len(dest)), s.size)
	out := dest[:end-off]
	clear(out)
	if valid := min(s.lowWater, s.size); off < valid {
		if err := preadFull(s.fd, out[:min(end, valid)-off], off); err != nil {
			return 0, err
		}
	}
	if len(s.pages) > 0 {
		for p := off / pageSize; p*pageSize < end; p++ {
			pg, ok := s.pages[p]
			if !ok {
				continue
			}
			start := p * pageSize
			lo := max(start, off)
			hi := min(start+pageSize, end)
			copy(out[lo-off:hi-off], pg[lo-start:hi-start])
		}
	}
	return len(out), nil
}

// write applies data at off to the in-memory pages. In the OFF state the
// write is accepted and discarded (the caller checks off under mu).
func (s *inodeState) write(r *registry, data []byte, off int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(data) == 0 {
		return nil
	}
	if r.discard() {
		return nil
	}
	end := off + int64(len(data))
	for p := off / pageSize; p*pageSize < end; p++ {
		start := p * pageSize
		pg, err := s.pageLocked(p, off <= start && end >= start+pageSize)
		if err != nil {
			return err
		}
		lo := max(start, off)
		hi := min(start+pageSize, end)
		copy(pg[lo-start:hi-start], data[lo-off:hi-off])
	}
	if end > s.size {
		s.size = end
	}
	s.mtime = time.Now()
	s.updateDirtyLocked()
	return nil
}

// truncate changes the logical size lazily (ftruncate, O_TRUNC).
func (s *inodeState) truncate(r *registry, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.discard() {
		return
	}
	s.truncateLocked(size)
	s.mtime = time.Now()
	s.updateDirtyLocked()
}

func (s *inodeState) truncateLocked(size int64) {
	if size < s.size {
		for p := range s.pages {
			if p*pageSize >= size {
				delete(s.pages, p)
			}
		}
		if size%pageSize != 0 {
			if pg, ok := s.pages[size/pageSize]; ok {
				clear(pg[size%pageSize:])
			}
		}
		s.lowWater = min(s.lowWater, size)
	}
	s.size = size
}

// allocate implements fallocate lazily: mode 0 only extends the logical
// size, FALLOC_FL_KEEP_SIZE is a no-op (content is unchanged either way).
func (s *inodeState) allocate(r *registry, off, length int64, mode uint32) syscall.Errno {
	switch mode {
	case 0:
	case unix.FALLOC_FL_KEEP_SIZE:
		return 0
	default:
		return syscall.EOPNOTSUPP
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.discard() {
		return 0
	}
	if end := off + length; end > s.size {
		s.size = end
		s.mtime = time.Now()
		s.updateDirtyLocked()
	}
	return 0
}

// setExplicitMtime forgets the lazy mtime: an explicit utimes went to the
// backing file and must win (also after persist, see persist).
func (s *inodeState) setExplicitMtime() {
	s.mu.Lock()
	s.mtime = time.Time{}
	s.mu.Unlock()
}

// patch overrides the backing attributes with the logical ones.
func (s *inodeState) patch(size *uint64, blocks *uint64, mtimeSec *uint64, mtimeNsec *uint32) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.isDirtyLocked() {
		return
	}
	*size = uint64(s.size)
	*blocks = uint64((s.size+pageSize-1)/pageSize) * (pageSize / 512)
	if !s.mtime.IsZero() {
		*mtimeSec = uint64(s.mtime.Unix())
		*mtimeNsec = uint32(s.mtime.Nanosecond())
	}
}

// writeFd returns a writable descriptor on the backing inode. The state's own
// fd is O_RDWR unless the backing refused that; then reopen through procfs,
// which also works for unlinked files.
func (s *inodeState) writeFd() (int, func(), error) {
	if s.writable {
		return s.fd, func() {}, nil
	}
	fd, err := syscall.Open(fmt.Sprintf("/proc/self/fd/%d", s.fd), syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1, nil, err
	}
	return fd, func() { syscall.Close(fd) }, nil
}

// pwriteAll writes bufs contiguously at off, coping with short writes.
func pwriteAll(fd int, bufs [][]byte, off int64) error {
	for len(bufs) > 0 {
		chunk := bufs[:min(len(bufs), 256)]
		n, err := unix.Pwritev(fd, chunk, off)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return syscall.EIO
		}
		off += int64(n)
		for n > 0 {
			if n >= len(bufs[0]) {
				n -= len(bufs[0])
				bufs = bufs[1:]
			} else {
				bufs[0] = bufs[0][n:]
				n = 0
			}
		}
	}
	return nil
}

// persist makes the logical content durable on the backing file: cut it to
// lowWater (so stale bytes beyond a truncate can never reappear), set the
// logical size, write the dirty pages, restore the mtime a reader saw, and
// fsync. In the OFF state it is accepted and does nothing.
//
// mu is held during the backing writes so no write can slip between the
// snapshot and the clear; the fsync itself happens after unlocking: in this
// model the backing is the disk, so data is durable once written to it.
// The caller must hold a ref (the fd must stay open).
func (s *inodeState) persist(r *registry) (int64, error) {
	s.mu.Lock()
	if r.discard() {
		s.mu.Unlock()
		return 0, nil
	}
	var written int64
	if s.isDirtyLocked() {
		n, err := s.persistLocked()
		if err != nil {
			s.mu.Unlock()
			return 0, err
		}
		written = n
	}
	s.mu.Unlock()
	if err := syscall.Fsync(s.fd); err != nil && !errors.Is(err, syscall.EINVAL) {
		return written, err
	}
	return written, nil
}

func (s *inodeState) persistLocked() (int64, error) {
	fd, done, err := s.writeFd()
	if err != nil {
		return 0, err
	}
	defer done()

	mtime := s.mtime
	if mtime.IsZero() {
		// No lazy change of mtime (or an explicit utimes since): keep the
		// backing's current value, which our pwrite would otherwise bump.
		var st syscall.Stat_t
		if err := syscall.Fstat(fd, &st); err == nil {
			mtime = time.Unix(st.Mtim.Sec, st.Mtim.Nsec)
		}
	}

	if s.lowWater < s.synced {
		if err := syscall.Ftruncate(fd, s.lowWater); err != nil {
			return 0, err
		}
		// The backing now ends at lowWater; should a later step fail, a
		// power off must fall back to that, not to the old size.
		s.synced = s.lowWater
	}
	if s.size != s.synced {
		if err := syscall.Ftruncate(fd, s.size); err != nil {
			return 0, err
		}
	}

	idx := make([]int64, 0, len(s.pages))
	for p := range s.pages {
		if p*pageSize < s.size {
			idx = append(idx, p)
		}
	}
	sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })
	var written int64
	for i := 0; i < len(idx); {
		// Coalesce a run of consecutive pages into one pwritev.
		j := i
		var bufs [][]byte
		for ; j < len(idx) && idx[j] == idx[i]+int64(j-i); j++ {
			start := idx[j] * pageSize
			bufs = append(bufs, s.pages[idx[j]][:min(pageSize, s.size-start)])
			written += min(pageSize, s.size-start)
		}
		if err := pwriteAll(fd, bufs, idx[i]*pageSize); err != nil {
			return 0, err
		}
		i = j
	}

	if !mtime.IsZero() {
		ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, unix.NsecToTimespec(mtime.UnixNano())}
		_ = futimens(fd, ts)
	}

	s.pages = map[int64][]byte{}
	s.synced, s.lowWater = s.size, s.size
	s.mtime = time.Time{}
	s.updateDirtyLocked()
	return written, nil
}

// dropLocked forgets every unsynced change (power loss).
func (s *inodeState) dropLocked() {
	s.pages = map[int64][]byte{}
	s.size, s.lowWater = s.synced, s.synced
	s.mtime = time.Time{}
	s.updateDirtyLocked()
}

// registry maps backing inodes to their state and holds the power flag.
// Lock order: registry.mu before inodeState.mu.
type registry struct {
	mu     sync.Mutex
	states map[fileKey]*inodeState
	off    atomic.Bool
	// discarded counts mutating data ops accepted and dropped since the last
	// power off (diagnostics: shows the kernel flushing after a kill).
	discarded atomic.Int64
}

func newRegistry() *registry { return &registry{states: map[fileKey]*inodeState{}} }

func (r *registry) isOff() bool { return r.off.Load() }

// discard reports whether a mutating data op must be dropped (OFF) and
// counts it. Callers hold the inode lock, see powerOff.
func (r *registry) discard() bool {
	if !r.off.Load() {
		return false
	}
	r.discarded.Add(1)
	return true
}

// adopt takes ownership of fd (open on a backing regular file) and returns
// the inode's state with one ref held. An existing state wins and fd is
// closed: all I/O of an inode goes through one descriptor.
func (r *registry) adopt(fd int, writable bool, n *node) (*inodeState, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	key := keyOf(&st)
	r.mu.Lock()
	s, ok := r.states[key]
	if !ok {
		s = newInodeState(key, fd, writable, st.Size)
		r.states[key] = s
	}
	s.refs++
	if n != nil {
		s.node = n
	}
	r.mu.Unlock()
	if ok {
		syscall.Close(fd)
	}
	return s, nil
}

// lookup returns the state of a backing inode if one exists (no ref taken;
// use it only for attribute reads).
func (r *registry) lookup(key fileKey) *inodeState {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.states[key]
}

// release drops a ref; a clean state without refs is retired (fd closed).
func (r *registry) release(s *inodeState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s.refs--
	r.maybeRetireLocked(s)
}

func (r *registry) maybeRetireLocked(s *inodeState) {
	if s.refs > 0 || s.retired {
		return
	}
	orphan := r.states[s.key] != s
	if !orphan && s.dirty.Load() {
		return // unsynced data must outlive the handles until fsync or off
	}
	if !orphan {
		delete(r.states, s.key)
	}
	s.retired = true
	syscall.Close(s.fd)
}

// orphan detaches the state of a backing inode whose last name was removed:
// the inode number may be reused by a new file, which must start clean.
// Open handles keep using the detached state until they are released.
func (r *registry) orphan(key fileKey) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.states[key]
	if !ok {
		return
	}
	delete(r.states, key)
	r.maybeRetireLocked(s)
}

// pinAll returns every registered state with a ref held on each.
func (r *registry) pinAll() []*inodeState {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*inodeState, 0, len(r.states))
	for _, s := range r.states {
		s.refs++
		out = append(out, s)
	}
	return out
}

// lostFile describes the unsynced changes of one file dropped by powerOff.
type lostFile struct {
	node       *node
	Path       string `json:"path"`
	Bytes      int64  `json:"bytes"`
	SyncedSize int64  `json:"syncedSize"`
	Size       int64  `json:"size"`
}

// powerOff atomically (under the registry lock) enters the OFF state and
// drops every unsynced change. The flag is set first so that a write that
// is waiting for an inode lock sees OFF once it gets it.
func (r *registry) powerOff() []lostFile {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.off.Load() {
		r.discarded.Store(0)
	}
	r.off.Store(true)
	var lost []lostFile
	for _, s := range r.states {
		s.mu.Lock()
		if s.isDirtyLocked() {
			lost = append(lost, lostFile{node: s.node, Bytes: s.dirtyBytesLocked(), SyncedSize: s.synced, Size: s.size})
		}
		s.dropLocked()
		s.mu.Unlock()
	}
	for _, s := range r.states {
		r.maybeRetireLocked(s)
	}
	return lost
}

func (r *registry) powerOn() { r.off.Store(false) }

// stats counts files with unsynced changes and their dirty bytes.
func (r *registry) stats() (files int, dirtyBytes int64, tracked int) {
	for _, s := range r.pinAll() {
		if s.dirty.Load() {
			s.mu.RLock()
			files++
			dirtyBytes += s.dirtyBytesLocked()
			s.mu.RUnlock()
		}
		tracked++
		r.release(s)
	}
	return files, dirtyBytes, tracked
}

// syncAll persists every file (clean shutdown).
func (r *registry) syncAll() (files int, bytes int64, err error) {
	for _, s := range r.pinAll() {
		if s.dirty.Load() {
			n, e := s.persist(r)
			if e != nil && err == nil {
				err = e
			} else if e == nil {
				files++
				bytes += n
			}
		}
		r.release(s)
	}
	return files, bytes, err
}
