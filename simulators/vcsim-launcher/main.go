// Command vcsim starts govmomi's vCenter simulator for the VirtSec Portal tests, demo and
// benchmarks.
//
// It is a launcher only: the simulator itself is govmomi's `simulator` package (Debian's
// golang-github-vmware-govmomi-dev). Build it in GOPATH mode:
//
//	cd simulators/vcsim-launcher && GO111MODULE=off GOPATH=/usr/share/gocode go build -o vcsim .
//
// It always serves TLS, with a fresh self-signed ECDSA certificate for 127.0.0.1 and ::1 (see
// certificate()), prints one JSON line on stdout once it is ready
//
//	{"url":"https://127.0.0.1:PORT/sdk","username":"...","password":"...","vms":N,...}
//
// and runs until SIGTERM/SIGINT or until stdin reaches end of file, so a parent that dies
// (and thereby closes our stdin pipe) never leaves a simulator behind.
//
// VMs are created per resource pool: every cluster's root pool and every standalone host get
// -vms machines each, so the total is datacenters * (clusters + standalone hosts) * vms.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	// The vAPI (REST) endpoints under /rest: sessions and vSphere tags (categories, tags,
	// tag associations), registered by the package's init for a simulated vCenter.
	_ "github.com/vmware/govmomi/vapi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

type ready struct {
	URL        string  `json:"url"`
	Username   string  `json:"username"`
	Password   string  `json:"password"`
	PID        int     `json:"pid"`
	VMs        int     `json:"vms"`
	Hosts      int     `json:"hosts"`
	Clusters   int     `json:"clusters"`
	Datastores int     `json:"datastores"`
	StartupSec float64 `json:"startup_seconds"`
}

func randomPassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		log.Fatalf("vcsim: random: %v", err)
	}
	return hex.EncodeToString(b)
}

// certificate returns a fresh self-signed ECDSA P-256 certificate for 127.0.0.1 and ::1.
//
// Go's httptest certificate, which the simulator would use otherwise, has a 1024-bit RSA key:
// OpenSSL's default security level rejects it ("EE certificate key too weak"), so a client
// could not trust it as CA. This one is CA:TRUE too, so tests can use it as the CA, and it is
// new on every start, so two simulators never share a fingerprint.
func certificate() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatalf("vcsim: key: %v", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		log.Fatalf("vcsim: serial: %v", err)
	}
	now := time.Now()
	template := x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vcsim", Organization: []string{"VirtSec Portal tests"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		log.Fatalf("vcsim: certificate: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func main() {
	dc := flag.Int("dc", 1, "number of datacenters")
	clusters := flag.Int("clusters", 1, "clusters per datacenter")
	clusterHosts := flag.Int("cluster-hosts", 2, "hosts per cluster")
	standalone := flag.Int("standalone-hosts", 1, "standalone hosts per datacenter")
	vms := flag.Int("vms", 2, "VMs per cluster and per standalone host (per resource pool)")
	datastores := flag.Int("datastores", 1, "local datastores, mounted on every host")
	portgroups := flag.Int("portgroups", 1, "distributed port groups per datacenter")
	poweredOn := flag.Bool("powered-on", true, "power the VMs on at start")
	listen := flag.String("listen", "127.0.0.1:0", "listen address (port 0 = any free port)")
	username := flag.String("username", "user", "the one user name that may log in")
	password := flag.String("password", "", "its password (empty = random)")
	watchStdin := flag.Bool("watch-stdin", true, "exit when stdin reaches end of file")
	callDelay := flag.Int("delay-ms", 0,
		"milliseconds every SOAP call waits before it is answered (a real vCenter takes tens); "+
			"calls wait in parallel")
	snapshotDelay := flag.Int("snapshot-delay-ms", 0,
		"milliseconds each snapshot create, remove or revert call takes (a real vCenter needs seconds)")
	ha := flag.String("ha", "",
		"vSphere HA of every cluster: on, no-admission (HA on, admission control off), off; "+
			"empty leaves it unset (the simulator's ReconfigureComputeResource ignores dasConfig)")
	flag.Parse()

	if *password == "" {
		*password = randomPassword()
	}

	start := time.Now()
	model := simulator.VPX()
	model.Datacenter = *dc
	model.Cluster = *clusters
	model.ClusterHost = *clusterHosts
	model.Host = *standalone
	model.Machine = *vms
	model.Datastore = *datastores
	model.Portgroup = *portgroups
	model.Autostart = *poweredOn
	// The simulator's own per-call delay (DelayConfig.Delay), added to each method's below.
	model.DelayConfig.Delay = *callDelay
	if *snapshotDelay > 0 {
		// The simulator finishes snapshot tasks in microseconds; this models the platform's work.
		model.DelayConfig.MethodDelay = map[string]int{
			"CreateSnapshot_Task":   *snapshotDelay,
			"RemoveSnapshot_Task":   *snapshotDelay,
			"RevertToSnapshot_Task": *snapshotDelay,
		}
	}

	if err := model.Create(); err != nil {
		log.Fatalf("vcsim: create model: %v", err)
	}
	defer model.Remove()

	if *ha != "" {
		enabled, admission := *ha != "off", *ha == "on"
		for _, entity := range simulator.Map.All("ClusterComputeResource") {
			cluster := entity.(*simulator.ClusterComputeResource)
			das := &cluster.ConfigurationEx.(*types.ClusterConfigInfoEx).DasConfig
			das.Enabled = types.NewBool(enabled)
			das.AdmissionControlEnabled = types.NewBool(admission)
			das.HostMonitoring = "enabled"
		}
	}

	// TLS on: the portal never talks to a hypervisor without verifying its certificate.
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{certificate()}}
	// A fixed user with a password: with the default login the simulator accepts any
	// non-empty credentials, and the tests need a wrong password to fail.
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}

	// The vAPI endpoints imported above (/rest: sessions, vSphere tags) register only when asked.
	model.Service.RegisterEndpoints = true
	server := model.Service.NewServer()
	defer server.Close()

	count := model.Count()
	u := *server.URL
	u.User = nil
	out, err := json.Marshal(ready{
		URL:        u.String(),
		Username:   *username,
		Password:   *password,
		PID:        os.Getpid(),
		VMs:        count.Machine,
		Hosts:      count.Host,
		Clusters:   count.Cluster,
		Datastores: count.Datastore,
		StartupSec: time.Since(start).Seconds(),
	})
	if err != nil {
		log.Fatalf("vcsim: %v", err)
	}
	fmt.Println(string(out))
	_ = os.Stdout.Sync()

	done := make(chan string, 2)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { done <- (<-signals).String() }()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			done <- "stdin closed"
		}()
	}
	reason := <-done
	fmt.Fprintf(os.Stderr, "vcsim: stopping (%s)\n", reason)
}
