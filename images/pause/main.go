// Command pause is the pod sandbox's process, as registry.k8s.io/pause is: it holds the pod's namespaces, reaps
// the zombies it inherits as the pod's pid 1 when the pod shares its process namespace, and exits on SIGINT or
// SIGTERM. Built static (CGO_ENABLED=0) into an image of its own; containerd needs nothing more of it.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("pause (kubia-conformance)")
		return
	}
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
