//go:build !unix

package confined

// nonBlocking is nothing where named pipes do not live among files
// (Windows keeps them under \\.\pipe\, which os.Root cannot reach).
const nonBlocking = 0
