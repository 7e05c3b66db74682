// Command cycle loops what a test suite does against the Provisioning API, from several
// concurrent clients, and prints cycles per second and the latency of a cycle. A cycle is:
// create a role, retrieve an organization, list 25 api_credentials with their organization
// and role, rename the role, list the role's versions. Every answer must be a 2xx: the first
// that is not stops the run (a figure made of errors would mean nothing).
//
// Usage: cycle -base http://127.0.0.1:18181/api -token T [-clients 4] [-duration 10s] [-org ID] [-label text]
//
// The base is the API's root: the mock's /api, or a mock of the OpenAPI description such as
// Prism, whose paths start at the root.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

const mediaType = "application/vnd.api+json"

type client struct {
	http  *http.Client
	base  string
	token string
	org   string
}

// send answers the body of a 2xx, or an error that names the request.
func (c *client) send(method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", mediaType)
	if body != nil {
		req.Header.Set("Content-Type", mediaType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s answered %d: %.300s", method, path, resp.StatusCode, b)
	}
	return b, nil
}

// cycle runs one cycle; name makes the role's name unique.
func (c *client) cycle(name string) error {
	created, err := c.send(http.MethodPost, "/roles", fmt.Appendf(nil,
		`{"data":{"type":"roles","attributes":{"name":%q},"relationships":{"organization":{"data":{"type":"organizations","id":%q}}}}}`,
		name, c.org))
	if err != nil {
		return err
	}
	var doc struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(created, &doc); err != nil || doc.Data.ID == "" {
		return fmt.Errorf("POST /roles: no data.id in %.300s", created)
	}
	role := doc.Data.ID
	if _, err := c.send(http.MethodGet, "/organizations/"+c.org, nil); err != nil {
		return err
	}
	if _, err := c.send(http.MethodGet, "/api_credentials?include=organization,role&page%5Bsize%5D=25", nil); err != nil {
		return err
	}
	if _, err := c.send(http.MethodPatch, "/roles/"+role, fmt.Appendf(nil,
		`{"data":{"type":"roles","id":%q,"attributes":{"name":%q}}}`, role, name+" (renamed)")); err != nil {
		return err
	}
	_, err = c.send(http.MethodGet, "/roles/"+role+"/versions", nil)
	return err
}

func main() {
	base := flag.String("base", "http://127.0.0.1:18181/api", "the API's root URL")
	token := flag.String("token", "", "bearer token sent with every request")
	clients := flag.Int("clients", 4, "concurrent clients, each looping cycles one after the other")
	duration := flag.Duration("duration", 10*time.Second, "how long the clients start new cycles")
	org := flag.String("org", "orgBlueBrd", "organization the roles are created in and retrieved")
	label := flag.String("label", "test-suite cycle", "what the figures are of")
	flag.Parse()
	if *clients < 1 {
		log.Fatal("cycle: -clients must be at least 1")
	}
	httpClient := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients},
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		firstErr  error
		wg        sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(*duration)
	for i := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &client{http: httpClient, base: *base, token: *token, org: *org}
			var mine []time.Duration
			for n := 1; time.Now().Before(deadline); n++ {
				t := time.Now()
				if err := c.cycle(fmt.Sprintf("Cycle role %d-%d", i+1, n)); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t))
				mu.Lock()
				stop := firstErr != nil
				mu.Unlock()
				if stop {
					break
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		fmt.Fprintf(os.Stderr, "cycle (%s): %v\n", *label, firstErr)
		os.Exit(1)
	}
	if len(latencies) == 0 {
		log.Fatalf("cycle (%s): no cycle finished", *label)
	}
	slices.Sort(latencies)
	rate := float64(len(latencies)) / elapsed.Seconds()
	fmt.Printf("%-34s %7.0f cycles/s (%5.0f requests/s)   cycle p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms   (%d clients, %d cycles)\n",
		*label+":", rate, 5*rate, ms(percentile(latencies, 50)), ms(percentile(latencies, 90)),
		ms(percentile(latencies, 99)), *clients, len(latencies))
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
