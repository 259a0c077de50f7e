// kubia: the stateful app of Kubernetes in Action, chapter 10 (luksa/kubia-pet), rebuilt from source so that it
// runs where no image can be pulled. It behaves as the book's app.js does:
//
//   - GET answers "You've hit <hostname>" and, on the next line, the data stored on this pod;
//   - POST stores the request body in the data file (/var/data/kubia.txt) and says on which pod;
//   - it listens on port 8080.
//
// KUBIA_DATA_FILE and KUBIA_LISTEN override the data file and the listen address (for the self-checks).
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http"
	"os"
)

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
