// Command startup measures how long the mock takes from being started to its first 200:
// it runs the binary several times and prints the median and the slowest.
// Usage: startup [-runs 20] path/to/provmock [flags for it]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"time"
)

var listening = regexp.MustCompile(`listening on (http://\S+)`)

func once(bin string, args []string) (time.Duration, error) {
	start := time.Now()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--quiet"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	sc := bufio.NewScanner(out)
	var base string
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			base = m[1]
			break
		}
	}
	if base == "" {
		return 0, fmt.Errorf("no banner")
	}
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < 10*time.Second {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	return 0, fmt.Errorf("no 200 within 10s")
}

func main() {
	runs := flag.Int("runs", 20, "how many starts to time")
	flag.Parse()
	if flag.NArg() < 1 {
		log.Fatal("usage: startup [-runs N] path/to/provmock [flags]")
	}
	var times []time.Duration
	for i := 0; i < *runs; i++ {
		d, err := once(flag.Arg(0), flag.Args()[1:])
		if err != nil {
			log.Fatal(err)
		}
		times = append(times, d)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	fmt.Printf("start-up to first 200: median %.1f ms, slowest %.1f ms over %d runs\n",
		ms(times[len(times)/2]), ms(times[len(times)-1]), len(times))
	_ = os.Stdout.Sync()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
