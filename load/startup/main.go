// Command startup measures how long a server takes from being started to its first 200: it
// runs the binary several times, reads the address from the "listening on http://..." line
// it prints, polls a path until it answers 200, and prints the median and the slowest.
//
// Usage: startup [-runs 20] [-probe /healthz] [-cold] [-label text] [-target 30ms] path/to/binary [its flags]
//
// With -cold, each run gets a new, empty image cache (CACHE_DIR): what a first start costs.
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

func once(bin string, args []string, probe string, env []string) (time.Duration, error) {
	start := time.Now()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
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
		return 0, fmt.Errorf("%s printed no \"listening on http://...\" line", bin)
	}
	go func() { // keep the pipe drained
		for sc.Scan() {
		}
	}()
	client := &http.Client{Timeout: time.Second}
	for time.Since(start) < 10*time.Second {
		resp, err := client.Get(base + probe)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	return 0, fmt.Errorf("no 200 from %s within 10s", base+probe)
}

func main() {
	runs := flag.Int("runs", 20, "how many starts to time")
	probe := flag.String("probe", "/healthz", "path polled until it answers 200")
	cold := flag.Bool("cold", false, "give each start a new, empty image cache (CACHE_DIR)")
	label := flag.String("label", "", "what the figures are of; default: the binary")
	target := flag.Duration("target", 0, "when set, also say whether the median is within it")
	flag.Parse()
	if flag.NArg() < 1 {
		log.Fatal("usage: startup [-runs N] [-probe PATH] [-cold] [-label TEXT] path/to/binary [flags for it]")
	}
	if *label == "" {
		*label = flag.Arg(0)
	}
	var times []time.Duration
	for i := 0; i < *runs; i++ {
		env, dir := os.Environ(), ""
		if *cold {
			var err error
			if dir, err = os.MkdirTemp("", "startup-cache-"); err != nil {
				log.Fatal(err)
			}
			env = append(env, "CACHE_DIR="+dir)
		}
		d, err := once(flag.Arg(0), flag.Args()[1:], *probe, env)
		if dir != "" {
			os.RemoveAll(dir)
		}
		if err != nil {
			log.Fatal(err)
		}
		times = append(times, d)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	median := times[len(times)/2]
	verdict := ""
	if *target > 0 {
		verdict = fmt.Sprintf("  (target <= %v: %s)", *target, map[bool]string{true: "met", false: "NOT met"}[median <= *target])
	}
	fmt.Printf("%-46s median %5.1f ms, slowest %5.1f ms over %d starts%s\n",
		*label+":", ms(median), ms(times[len(times)-1]), len(times), verdict)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
