//go:build !linux

package tmpfile

import (
	"errors"
	"os"
)

// setDirect reports that direct I/O is not used here: macOS's F_NOCACHE
// and Windows' FILE_FLAG_NO_BUFFERING (at open only) were not measured,
// and Windows' spill file is FILE_ATTRIBUTE_TEMPORARY, which keeps it in
// memory where there is room.
func setDirect(*os.File, bool) error { return errors.ErrUnsupported }
