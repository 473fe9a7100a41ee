//go:build !linux

package tmpfile

import (
	"errors"
	"os"
)

// errDirectRefused is never answered: setDirect never turns direct mode on.
var errDirectRefused = errors.New("direct I/O refused")

// setDirect reports that direct I/O is not used here. (macOS has
// F_NOCACHE and Windows FILE_FLAG_NO_BUFFERING, at open; neither is
// measured, and Windows' spill file is FILE_ATTRIBUTE_TEMPORARY already.)
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }
