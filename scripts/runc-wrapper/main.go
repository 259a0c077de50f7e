// Command runc-wrapper is the Docker engine's default runtime on hosts whose capability bounding set lacks some
// capabilities (here CAP_SYS_RESOURCE). `docker run --privileged`, which kind always uses, asks runc for every
// capability, and runc fails with "unable to apply caps: operation not permitted". The wrapper removes the
// capabilities the host cannot grant from the bundle's config.json (`create`, `run`) and from the process spec of
// `runc exec`, then execs the real runc with the same arguments.
//
// Environment: KUBIA_REAL_RUNC (default /usr/bin/runc).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// capNames are the kernel's capability numbers, as the OCI spec names them.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
	"CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

// missing returns the capabilities absent from this process's bounding set (CapBnd in /proc/self/status).
func missing() (map[string]bool, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if value, ok := strings.CutPrefix(scanner.Text(), "CapBnd:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(value), 16, 64)
			if err != nil {
				return nil, err
			}
			out := map[string]bool{}
			for i, name := range capNames {
				if mask&(1<<i) == 0 {
					out[name] = true
				}
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("no CapBnd line in /proc/self/status")
}

// dropFromProcess removes the missing capabilities from a process spec's capability sets.
func dropFromProcess(process map[string]any, drop map[string]bool) {
	caps, ok := process["capabilities"].(map[string]any)
	if !ok {
		return
	}
	for set, list := range caps {
		names, ok := list.([]any)
		if !ok {
			continue
		}
		kept := []any{}
		for _, name := range names {
			if s, ok := name.(string); !ok || !drop[s] {
				kept = append(kept, name)
			}
		}
		caps[set] = kept
	}
}

// rewrite applies edit to the JSON document in path, keeping numbers exactly as written.
func rewrite(path string, edit func(map[string]any)) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var doc map[string]any
	if err := decoder.Decode(&doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	edit(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, info.Mode().Perm())
}

// flagValue finds `--name value`, `--name=value`, `-s value` among args.
func flagValue(args []string, long, short string) string {
	for i, arg := range args {
		if v, ok := strings.CutPrefix(arg, long+"="); ok {
			return v
		}
		if (arg == long || (short != "" && arg == short)) && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

func run(args []string) error {
	drop, err := missing()
	if err != nil {
		return err
	}
	if len(drop) > 0 {
		if bundle := flagValue(args, "--bundle", "-b"); bundle != "" {
			if err := rewrite(filepath.Join(bundle, "config.json"), func(doc map[string]any) {
				if process, ok := doc["process"].(map[string]any); ok {
					dropFromProcess(process, drop)
				}
			}); err != nil {
				return err
			}
		}
		if process := flagValue(args, "--process", "-p"); process != "" && contains(args, "exec") {
			if err := rewrite(process, func(doc map[string]any) { dropFromProcess(doc, drop) }); err != nil {
				return err
			}
		}
	}
	real := os.Getenv("KUBIA_REAL_RUNC")
	if real == "" {
		real = "/usr/bin/runc"
	}
	return syscall.Exec(real, append([]string{real}, args...), os.Environ())
}

func contains(args []string, word string) bool {
	for _, arg := range args {
		if arg == word {
			return true
		}
	}
	return false
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "runc-wrapper: %v\n", err)
		os.Exit(1)
	}
}
