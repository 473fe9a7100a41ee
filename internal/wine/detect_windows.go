package wine

import "golang.org/x/sys/windows"

// Detected says the program runs under Wine: its ntdll exports
// wine_get_version, which Windows' does not.
func Detected() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
