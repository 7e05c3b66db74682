// Command static serves fixed response bodies, one per path, as fast as net/http can: the
// baseline of the load script. Usage: static -addr 127.0.0.1:18182 /path=file.json ...
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18182", "address to listen on")
	flag.Parse()
	bodies := map[string][]byte{}
	for _, arg := range flag.Args() {
		path, file, ok := strings.Cut(arg, "=")
		if !ok {
			log.Fatalf("argument %q: want /path=file", arg)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			log.Fatal(err)
		}
		bodies[path] = b
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.api+json")
		w.Write(body)
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("static listening on http://" + ln.Addr().String())
	log.Fatal(http.Serve(ln, handler))
}
