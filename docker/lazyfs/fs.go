package main

// go-fuse glue: a loopback node that passes metadata straight to the backing
// directory and routes file contents and sizes through inodeState.

import (
	"context"
	"path/filepath"
	"syscall"
	"unsafe"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"golang.org/x/sys/unix"
)

// lazyFS is shared by every node of one mount.
type lazyFS struct {
	fails failSet
	reg   *registry
	root  *fs.LoopbackRoot
}

func newLazyFS(backing string) (*lazyFS, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(backing, &st); err != nil {
		return nil, err
	}
	l := &lazyFS{reg: newRegistry()}
	l.root = &fs.LoopbackRoot{Path: backing, Dev: uint64(st.Dev)}
	// Every node created by the embedded LoopbackNode methods (Lookup, Mkdir,
	// ...) goes through this hook, so the whole tree consists of *node.
	l.root.NewNode = func(r *fs.LoopbackRoot, _ *fs.Inode, _ string, _ *syscall.Stat_t) fs.InodeEmbedder {
		return l.newNode()
	}
	l.root.RootNode = l.newNode()
	return l, nil
}

func (l *lazyFS) newNode() *node {
	return &node{LoopbackNode: fs.LoopbackNode{RootData: l.root}, lfs: l}
}

// node embeds go-fuse's LoopbackNode for the metadata operations and
// overrides everything that touches file contents or sizes. Methods of
// LoopbackNode that would bypass the lazy state (Open, Create, Getattr,
// Setattr, Statx, CopyFileRange, Tmpfile, Lookup's attributes) are all
// overridden here.
type node struct {
	fs.LoopbackNode
	lfs *lazyFS
}

var (
	_ fs.NodeLookuper       = (*node)(nil)
	_ fs.NodeOpener         = (*node)(nil)
	_ fs.NodeCreater        = (*node)(nil)
	_ fs.NodeTmpfiler       = (*node)(nil)
	_ fs.NodeGetattrer      = (*node)(nil)
	_ fs.NodeSetattrer      = (*node)(nil)
	_ fs.NodeStatxer        = (*node)(nil)
	_ fs.NodeFsyncer        = (*node)(nil)
	_ fs.NodeCopyFileRanger = (*node)(nil)
	_ fs.NodeUnlinker       = (*node)(nil)
	_ fs.NodeRenamer        = (*node)(nil)
	_ fs.NodeLinker         = (*node)(nil)
	_ fs.NodeMkdirer        = (*node)(nil)
	_ fs.NodeMknoder        = (*node)(nil)
	_ fs.NodeRmdirer        = (*node)(nil)
	_ fs.NodeSymlinker      = (*node)(nil)
	_ fs.NodeSetxattrer     = (*node)(nil)
	_ fs.NodeRemovexattrer  = (*node)(nil)
	_ fs.NodeOpendirHandler = (*node)(nil)
	_ fs.NodeStatfser       = (*node)(nil)
	_ fs.NodeReadlinker     = (*node)(nil)
	_ fs.NodeGetxattrer     = (*node)(nil)
	_ fs.NodeListxattrer    = (*node)(nil)
	_ fs.FileReader         = (*handle)(nil)
	_ fs.FileWriter         = (*handle)(nil)
	_ fs.FileWritever       = (*handle)(nil)
	_ fs.FileFsyncer        = (*handle)(nil)
	_ fs.FileFlusher        = (*handle)(nil)
	_ fs.FileReleaser       = (*handle)(nil)
	_ fs.FileAllocater      = (*handle)(nil)
	_ fs.FileGetattrer      = (*handle)(nil)
)

func (n *node) reg() *registry { return n.lfs.reg }

// backingPath is the node's current path in the backing directory.
func (n *node) backingPath() string {
	return filepath.Join(n.RootData.Path, n.Path(n.RootData.RootNode.EmbeddedInode()))
}

func (n *node) isRoot() bool { return n.EmbeddedInode() == n.RootData.RootNode.EmbeddedInode() }

// statx-based lstat, so new inodes get the same StableAttr (ino, gen) as
// go-fuse's own loopback computes.
func statBacking(dirfd int, path string, flags int) (syscall.Stat_t, uint64, error) {
	var x unix.Statx_t
	var st syscall.Stat_t
	if err := unix.Statx(dirfd, path, flags, unix.STATX_BASIC_STATS|unix.STATX_BTIME, &x); err != nil {
		return st, 0, err
	}
	st.Dev = unix.Mkdev(x.Dev_major, x.Dev_minor)
	st.Ino = x.Ino
	st.Nlink = uint64(x.Nlink)
	st.Mode = uint32(x.Mode)
	st.Uid = x.Uid
	st.Gid = x.Gid
	st.Rdev = unix.Mkdev(x.Rdev_major, x.Rdev_minor)
	st.Size = int64(x.Size)
	st.Blksize = int64(x.Blksize)
	st.Blocks = int64(x.Blocks)
	st.Atim = syscall.Timespec{Sec: x.Atime.Sec, Nsec: int64(x.Atime.Nsec)}
	st.Mtim = syscall.Timespec{Sec: x.Mtime.Sec, Nsec: int64(x.Mtime.Nsec)}
	st.Ctim = syscall.Timespec{Sec: x.Ctime.Sec, Nsec: int64(x.Ctime.Nsec)}
	gen := uint64(1)
	if x.Mask&unix.STATX_BTIME != 0 && (x.Btime.Sec != 0 || x.Btime.Nsec != 0) {
		gen = uint64(x.Btime.Sec)*1e9 + uint64(x.Btime.Nsec)
	}
	return st, gen, nil
}

// idFromStat mirrors go-fuse's (unexported) LoopbackRoot.idFromStat so that
// nodes created here and by the embedded LoopbackNode agree.
func (l *lazyFS) idFromStat(st *syscall.Stat_t, gen uint64) fs.StableAttr {
	swapped := (uint64(st.Dev) << 32) | (uint64(st.Dev) >> 32)
	swappedRootDev := (l.root.Dev << 32) | (l.root.Dev >> 32)
	return fs.StableAttr{Mode: st.Mode, Gen: gen, Ino: (swapped ^ swappedRootDev) ^ st.Ino}
}

// patchAttr replaces size/blocks/mtime with the logical values when the
// backing inode has unsynced changes.
func (l *lazyFS) patchAttr(st *syscall.Stat_t, a *fuse.Attr) {
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return
	}
	if s := l.reg.lookup(keyOf(st)); s != nil {
		s.patch(&a.Size, &a.Blocks, &a.Mtime, &a.Mtimensec)
	}
}

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if e := n.failedChild(name); e != 0 {
		return nil, e
	}
	st, gen, err := statBacking(unix.AT_FDCWD, filepath.Join(n.backingPath(), name), unix.AT_SYMLINK_NOFOLLOW)
	if err != nil {
		return nil, fs.ToErrno(err)
	}
	// The kernel takes i_size from LOOKUP replies too (also READDIRPLUS,
	// which go-fuse answers through Lookup), so they must be logical.
	out.Attr.FromStat(&st)
	n.lfs.patchAttr(&st, &out.Attr)
	return n.NewInode(ctx, n.lfs.newNode(), n.lfs.idFromStat(&st, gen)), 0
}

// openBacking opens the backing file read-write when it can (the state's fd
// must serve reads for page materialisation and writes for persist), and
// falls back to read-only for read-only opens of files that refuse O_RDWR.
func openBacking(path string, flags int, mode uint32, readOnlyOK bool) (fd int, writable bool, err error) {
	fd, err = syscall.Open(path, flags|syscall.O_RDWR|syscall.O_CLOEXEC, mode)
	if err == nil {
		return fd, true, nil
	}
	if !readOnlyOK || err == syscall.ENOENT || err == syscall.EEXIST {
		return -1, false, err
	}
	fd, err2 := syscall.Open(path, flags|syscall.O_RDONLY|syscall.O_CLOEXEC, mode)
	if err2 != nil {
		return -1, false, err
	}
	return fd, false, nil
}

func (n *node) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if e := n.failed(); e != 0 {
		return nil, 0, e
	}
	readOnly := flags&syscall.O_ACCMODE == syscall.O_RDONLY
	fd, writable, err := openBacking(n.backingPath(), syscall.O_NOFOLLOW, 0, readOnly)
	if err != nil {
		return nil, 0, fs.ToErrno(err)
	}
	s, err := n.reg().adopt(fd, writable, n)
	if err != nil {
		return nil, 0, fs.ToErrno(err)
	}
	// Without FUSE_ATOMIC_O_TRUNC (go-fuse does not negotiate it) the kernel
	// sends O_TRUNC as a SETATTR; handle it here too in case it ever arrives.
	if flags&syscall.O_TRUNC != 0 && !readOnly {
		s.truncate(n.reg(), 0)
	}
	// No FOPEN_KEEP_CACHE / DIRECT_IO: the kernel drops its page cache on
	// open and mmap keeps working.
	return n.newHandle(s, flags), 0, 0
}

func (n *node) newHandle(s *inodeState, flags uint32) *handle {
	return &handle{n: n, s: s, sync: flags&syscall.O_DSYNC != 0}
}

func (n *node) preserveOwner(ctx context.Context, fd int) {
	if syscall.Getuid() != 0 {
		return
	}
	if caller, ok := fuse.FromContext(ctx); ok {
		_ = syscall.Fchown(fd, int(caller.Uid), int(caller.Gid))
	}
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	if e := n.failedChild(name); e != 0 {
		return nil, nil, 0, e
	}
	if n.reg().isOff() {
		return nil, nil, 0, syscall.EIO
	}
	p := filepath.Join(n.backingPath(), name)
	// Creating the name is metadata and durable at once; O_TRUNC of an
	// existing file is a lazy size change, so it is not passed down.
	fd, writable, err := openBacking(p, syscall.O_CREAT|int(flags&(syscall.O_EXCL|syscall.O_NOFOLLOW)), mode, false)
	if err != nil {
		return nil, nil, 0, fs.ToErrno(err)
	}
	n.preserveOwner(ctx, fd)
	st, gen, err := statBacking(fd, "", unix.AT_EMPTY_PATH)
	if err != nil {
		syscall.Close(fd)
		return nil, nil, 0, fs.ToErrno(err)
	}
	ch := n.NewInode(ctx, n.lfs.newNode(), n.lfs.idFromStat(&st, gen))
	chNode, _ := ch.Operations().(*node)
	s, err := n.reg().adopt(fd, writable, chNode)
	if err != nil {
		return nil, nil, 0, fs.ToErrno(err)
	}
	if flags&syscall.O_TRUNC != 0 {
		s.truncate(n.reg(), 0)
	}
	out.Attr.FromStat(&st)
	n.lfs.patchAttr(&st, &out.Attr)
	return ch, chNode.newHandle(s, flags), 0, 0
}

// Tmpfile (O_TMPFILE) is not supported: the kernel reports EOPNOTSUPP.
func (n *node) Tmpfile(ctx context.Context, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	return nil, nil, 0, syscall.EOPNOTSUPP
}

// CopyFileRange on the backing would bypass the lazy state; ENOSYS makes the
// kernel fall back to read+write through us (and stop asking).
func (n *node) CopyFileRange(ctx context.Context, fhIn fs.FileHandle, offIn uint64, out *fs.Inode, fhOut fs.FileHandle, offOut uint64, length uint64, flags uint64) (uint32, syscall.Errno) {
	return 0, syscall.ENOSYS
}

// stat returns the backing attributes, through the handle's fd when there is
// one (the file may be unlinked), else by path.
func (n *node) stat(f fs.FileHandle) (syscall.Stat_t, error) {
	var st syscall.Stat_t
	if h, ok := f.(*handle); ok {
		return st, syscall.Fstat(h.s.fd, &st)
	}
	if n.isRoot() {
		return st, syscall.Stat(n.backingPath(), &st)
	}
	return st, syscall.Lstat(n.backingPath(), &st)
}

func (n *node) Getattr(ctx context.Context, f fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	st, err := n.stat(f)
	if err != nil {
		return fs.ToErrno(err)
	}
	out.FromStat(&st)
	if h, ok := f.(*handle); ok {
		h.s.patch(&out.Size, &out.Blocks, &out.Mtime, &out.Mtimensec)
	} else {
		n.lfs.patchAttr(&st, &out.Attr)
	}
	return 0
}

func (n *node) Statx(ctx context.Context, f fs.FileHandle, flags uint32, mask uint32, out *fuse.StatxOut) syscall.Errno {
	var x unix.Statx_t
	var err error
	if h, ok := f.(*handle); ok {
		err = unix.Statx(h.s.fd, "", int(flags)|unix.AT_EMPTY_PATH, int(mask), &x)
	} else {
		fl := int(flags)
		if !n.isRoot() {
			fl |= unix.AT_SYMLINK_NOFOLLOW
		}
		err = unix.Statx(unix.AT_FDCWD, n.backingPath(), fl, int(mask), &x)
	}
	if err != nil {
		return fs.ToErrno(err)
	}
	out.FromStatx(&x)
	if x.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return 0
	}
	s := n.reg().lookup(fileKey{unix.Mkdev(x.Dev_major, x.Dev_minor), x.Ino})
	if h, ok := f.(*handle); ok {
		s = h.s
	}
	if s != nil {
		s.patch(&out.Size, &out.Blocks, &out.Mtime.Sec, &out.Mtime.Nsec)
	}
	return 0
}

// withState runs fn with the node's state, taking it from the handle or
// opening the backing by path (and releasing it afterwards).
func (n *node) withState(f fs.FileHandle, fn func(*inodeState) syscall.Errno) syscall.Errno {
	if h, ok := f.(*handle); ok {
		return fn(h.s)
	}
	fd, writable, err := openBacking(n.backingPath(), syscall.O_NOFOLLOW, 0, true)
	if err != nil {
		return fs.ToErrno(err)
	}
	s, err := n.reg().adopt(fd, writable, n)
	if err != nil {
		return fs.ToErrno(err)
	}
	defer n.reg().release(s)
	return fn(s)
}

func futimens(fd int, ts []unix.Timespec) error {
	// utimensat(fd, NULL, ts, 0) is futimens(3); x/sys has no wrapper.
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func (n *node) Setattr(ctx context.Context, f fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	if e := n.failed(); e != 0 {
		return e
	}
	// OFF: the whole request is accepted and discarded, whatever it sets
	// (the kernel may flush a dying process's truncate or times).
	if n.reg().discard() {
		return n.Getattr(ctx, f, out)
	}
	h, _ := f.(*handle)
	p := n.backingPath()
	if m, ok := in.GetMode(); ok {
		var err error
		if h != nil {
			err = syscall.Fchmod(h.s.fd, m)
		} else {
			err = syscall.Chmod(p, m)
		}
		if err != nil {
			return fs.ToErrno(err)
		}
	}
	uid, uok := in.GetUID()
	gid, gok := in.GetGID()
	if uok || gok {
		suid, sgid := -1, -1
		if uok {
			suid = int(uid)
		}
		if gok {
			sgid = int(gid)
		}
		var err error
		if h != nil {
			err = syscall.Fchown(h.s.fd, suid, sgid)
		} else {
			err = unix.Fchownat(unix.AT_FDCWD, p, suid, sgid, unix.AT_SYMLINK_NOFOLLOW)
		}
		if err != nil {
			return fs.ToErrno(err)
		}
	}
	// Size is lazy. Applied before times so an explicit mtime wins.
	if sz, ok := in.GetSize(); ok {
		if errno := n.withState(f, func(s *inodeState) syscall.Errno {
			s.truncate(n.reg(), int64(sz))
			return 0
		}); errno != 0 {
			return errno
		}
	}
	mtime, mok := in.GetMTime()
	atime, aok := in.GetATime()
	if mok || aok {
		ts := []unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
		if aok {
			ts[0] = unix.NsecToTimespec(atime.UnixNano())
		}
		if mok {
			ts[1] = unix.NsecToTimespec(mtime.UnixNano())
		}
		var err error
		if h != nil {
			err = futimens(h.s.fd, ts)
		} else {
			err = unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
		}
		if err != nil {
			return fs.ToErrno(err)
		}
		if mok {
			if h != nil {
				h.s.setExplicitMtime()
			} else if st, err := n.stat(nil); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG {
				if s := n.reg().lookup(keyOf(&st)); s != nil {
					s.setExplicitMtime()
				}
			}
		}
	}
	return n.Getattr(ctx, f, out)
}

// Fsync normally arrives with our handle (go-fuse routes FSYNC to the node
// first when it implements NodeFsyncer). Without one, persist by path;
// directories (only routed here if their handle cannot Fsyncdir) just fsync
// the backing directory, since metadata is never lazy.
func (n *node) Fsync(ctx context.Context, f fs.FileHandle, flags uint32) syscall.Errno {
	if e := n.failed(); e != 0 {
		return e
	}
	if h, ok := f.(*handle); ok {
		return h.Fsync(ctx, flags)
	}
	if n.reg().discard() {
		return 0
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(n.backingPath(), &st); err != nil {
		return fs.ToErrno(err)
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		fd, err := syscall.Open(n.backingPath(), syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
		if err != nil {
			return fs.ToErrno(err)
		}
		defer syscall.Close(fd)
		return fs.ToErrno(syscall.Fsync(fd))
	}
	return n.withState(nil, func(s *inodeState) syscall.Errno {
		_, err := s.persist(n.reg())
		return errnoOf(err)
	})
}

// errnoOf maps backing I/O errors; anything odd becomes EIO. Never ENOSYS:
// the kernel would stop sending FSYNC for good and report success.
func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if e, ok := err.(syscall.Errno); ok && e != syscall.ENOSYS {
		return e
	}
	return syscall.EIO
}

// --- metadata: passed through at once, refused with EIO while powered off.

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if e := n.failedChild(name); e != 0 {
		return nil, e
	}
	if n.reg().isOff() {
		return nil, syscall.EIO
	}
	return n.LoopbackNode.Mkdir(ctx, name, mode, out)
}

func (n *node) Mknod(ctx context.Context, name string, mode, rdev uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if n.reg().isOff() {
		return nil, syscall.EIO
	}
	return n.LoopbackNode.Mknod(ctx, name, mode, rdev, out)
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	if e := n.failedChild(name); e != 0 {
		return e
	}
	if n.reg().isOff() {
		return syscall.EIO
	}
	return n.LoopbackNode.Rmdir(ctx, name)
}

func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if n.reg().isOff() {
		return nil, syscall.EIO
	}
	return n.LoopbackNode.Symlink(ctx, target, name, out)
}

func (n *node) Link(ctx context.Context, target fs.InodeEmbedder, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	if n.reg().isOff() {
		return nil, syscall.EIO
	}
	ch, errno := n.LoopbackNode.Link(ctx, target, name, out)
	if errno == 0 {
		var st syscall.Stat_t
		if syscall.Lstat(filepath.Join(n.backingPath(), name), &st) == nil {
			n.lfs.patchAttr(&st, &out.Attr)
		}
	}
	return ch, errno
}

func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	if n.reg().isOff() {
		return syscall.EIO
	}
	return n.LoopbackNode.Setxattr(ctx, attr, data, flags)
}

func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	if n.reg().isOff() {
		return syscall.EIO
	}
	return n.LoopbackNode.Removexattr(ctx, attr)
}

// lastLink returns the key of the regular file at path if removing that
// name frees the inode (so its number may be reused by a new file).
func lastLink(path string) (fileKey, bool) {
	var st syscall.Stat_t
	if syscall.Lstat(path, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Nlink > 1 {
		return fileKey{}, false
	}
	return keyOf(&st), true
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	if e := n.failedChild(name); e != 0 {
		return e
	}
	if n.reg().isOff() {
		return syscall.EIO
	}
	key, last := lastLink(filepath.Join(n.backingPath(), name))
	errno := n.LoopbackNode.Unlink(ctx, name)
	if errno == 0 && last {
		n.reg().orphan(key)
	}
	return errno
}

func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	if e := n.failedChild(name); e != 0 {
		return e
	}
	if p, ok := newParent.(*node); ok {
		if e := p.failedChild(newName); e != 0 {
			return e
		}
	}
	if n.reg().isOff() {
		return syscall.EIO
	}
	// Renaming over an existing file frees the target inode; the source's
	// state follows it by key without any work.
	var key fileKey
	var last bool
	if np, ok := newParent.(*node); ok && flags&unix.RENAME_EXCHANGE == 0 {
		key, last = lastLink(filepath.Join(np.backingPath(), newName))
		var src syscall.Stat_t
		if last && syscall.Lstat(filepath.Join(n.backingPath(), name), &src) == nil && keyOf(&src) == key {
			last = false // rename between two names of one inode
		}
	}
	errno := n.LoopbackNode.Rename(ctx, name, newParent, newName, flags)
	if errno == 0 && last {
		n.reg().orphan(key)
	}
	return errno
}

// handle is an open file. It has no descriptor of its own: all I/O goes
// through the inode state's fd, so every handle sees the same content.
type handle struct {
	n    *node
	s    *inodeState
	sync bool // O_SYNC/O_DSYNC: every write is persisted at once
}

func (h *handle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if e := h.n.failed(); e != 0 {
		return nil, e
	}
	n, err := h.s.read(dest, off)
	if err != nil {
		return nil, errnoOf(err)
	}
	return fuse.ReadResultData(dest[:n]), 0
}

func (h *handle) Write(ctx context.Context, data []byte, off int64) (uint32, syscall.Errno) {
	if e := h.n.failed(); e != 0 {
		return 0, e
	}
	if err := h.s.write(h.n.reg(), data, off); err != nil {
		return 0, errnoOf(err)
	}
	if h.sync {
		if _, err := h.s.persist(h.n.reg()); err != nil {
			return 0, errnoOf(err)
		}
	}
	return uint32(len(data)), 0
}

// Writev exists because go-fuse answers ENOSYS for multi-buffer writes to a
// handle that only implements Write.
func (h *handle) Writev(ctx context.Context, data [][]byte, off int64) (uint32, syscall.Errno) {
	var total uint32
	for _, d := range data {
		n, errno := h.Write(ctx, d, off)
		total += n
		off += int64(n)
		if errno != 0 {
			return total, errno
		}
	}
	return total, 0
}

func (h *handle) Fsync(ctx context.Context, flags uint32) syscall.Errno {
	if e := h.n.failed(); e != 0 {
		return e
	}
	_, err := h.s.persist(h.n.reg())
	return errnoOf(err)
}

// Flush (close(2)) does not persist: like a real disk, closing is no sync.
func (h *handle) Flush(ctx context.Context) syscall.Errno { return 0 }

func (h *handle) Release(ctx context.Context) syscall.Errno {
	h.n.reg().release(h.s)
	return 0
}

func (h *handle) Allocate(ctx context.Context, off uint64, size uint64, mode uint32) syscall.Errno {
	if e := h.n.failed(); e != 0 {
		return e
	}
	return h.s.allocate(h.n.reg(), int64(off), int64(size), mode)
}

func (h *handle) Getattr(ctx context.Context, out *fuse.AttrOut) syscall.Errno {
	return h.n.Getattr(ctx, h, out)
}
