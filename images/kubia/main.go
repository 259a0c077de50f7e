// kubia: the stateful app of Kubernetes in Action, chapter 10 (luksa/kubia-pet), rebuilt from source so that it
// runs where no image can be pulled. It behaves as the book's app.js does:
//
//   - GET answers "You've hit <hostname>" and, on the next line, the data stored on this pod;
//   - POST stores the request body in the data file (/var/data/kubia.txt) and says on which pod;
//   - it listens on port 8080.
//
// KUBIA_DATA_FILE and KUBIA_LISTEN override the data file and the listen address (for the self-checks).
//
// Only when the suite asks for it (KUBIA_TRACE_FILE set), the app also leaves a trace of itself as a writer of its
// volume: every TraceInterval, for as long as it runs, it appends one line to that file, synced to disk,
//
//	<unix time in ms> <KUBIA_POD_UID> <KUBIA_NODE_NAME> <sequence number from 1>
//
// so that the suite can read back, from the volume itself, when each incarnation of a pod was writing to it: two
// incarnations whose lines interleave were two writers at once. The book's app has no such trace.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http"
	"os"
	"time"
)

// TraceInterval is how often the app writes a trace line: often enough to tell two writers' overlap to a fraction
// of a second.
const TraceInterval = 250 * time.Millisecond

// trace appends a line to path every TraceInterval, forever; a line it cannot write is logged and tried again.
func trace(path, pod, node string) {
	for seq := 1; ; seq++ {
		line := fmt.Sprintf("%d %s %s %d\n", time.Now().UnixMilli(), pod, node, seq)
		if err := appendSynced(path, line); err != nil {
			log.Printf("trace: %v", err)
		}
		time.Sleep(TraceInterval)
	}
}

func appendSynced(path, line string) error {
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err = file.WriteString(line); err == nil {
		err = file.Sync()
	}
	if closeErr := file.Close(); err == nil {
		err = closeErr
	}
	return err
}

func env(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func main() {
	dataFile := env("KUBIA_DATA_FILE", "/var/data/kubia.txt")
	listen := env("KUBIA_LISTEN", ":8080")
	hostname, err := os.Hostname()
	if err != nil {
		log.Fatalf("no hostname: %v", err)
	}
	log.Printf("kubia server starting on %s, data in %s", listen, dataFile)
	if traceFile := os.Getenv("KUBIA_TRACE_FILE"); traceFile != "" {
		log.Printf("tracing its writes in %s", traceFile)
		go trace(traceFile, env("KUBIA_POD_UID", "-"), env("KUBIA_NODE_NAME", "-"))
	}
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(r.Body)
			if err == nil {
				err = os.WriteFile(dataFile, body, 0o644)
			}
			if err != nil {
				http.Error(w, fmt.Sprintf("could not store the data: %v", err), http.StatusInternalServerError)
				return
			}
			log.Print("New data has been received and stored.")
			fmt.Fprintf(w, "Data stored on pod %s\n", hostname)
			return
		}
		data := "No data posted yet"
		stored, err := os.ReadFile(dataFile)
		switch {
		case err == nil:
			data = string(stored)
		case !errors.Is(err, fs.ErrNotExist):
			http.Error(w, fmt.Sprintf("could not read the data: %v", err), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "You've hit %s\nData stored on this pod: %s\n", hostname, data)
	})
	log.Fatal(http.ListenAndServe(listen, nil))
}
