package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"steward/internal/bench"
)

// BenchCmd runs the performance harness.
type BenchCmd struct {
	Records    int           `default:"100000" help:"Incidents to generate into an empty database (a database that has incidents is reused)."`
	Corpus     string        `type:"existingfile" placeholder:"CSV" help:"Ticket CSV (text in the first column) for titles and descriptions; default: built-in phrases."`
	Clients    int           `default:"8" help:"Concurrent HTTP clients, and concurrent writers for the database limit."`
	Duration   time.Duration `default:"10s" help:"How long each phase runs (each workload phase, and the database limit)."`
	URL        string        `placeholder:"URL" help:"Drive this running server instead of one in process (needs --token and its --db or --data)."`
	Token      string        `help:"API token for --url."`
	JSON       bool          `name:"json" help:"Print the report as JSON."`
	Phases     []string      `default:"mixed,create" help:"Workload phases in order: mixed, or one operation alone (create, read, update, comment, list, search, queue_html)."`
	CPUProfile string        `name:"cpuprofile" placeholder:"FILE" help:"Write a CPU profile of each phase to FILE-<phase> (clients are labelled bench=client)."`
	Seed       uint64        `default:"1" help:"Seed of the generated data."`
}

// Run generates the data set, runs the workload and prints the report. The
// data goes to a temporary directory unless --data or --db is given.
func (c *BenchCmd) Run(g *Globals) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dataDir := g.Data
	if _, set := os.LookupEnv("STEWARD_DATA"); !set && dataDir == "./steward-data" {
		dataDir = "" // the default: a throwaway directory, not the server's data
	}
	rep, err := bench.Bench(ctx, bench.Options{
		Records: c.Records, Corpus: c.Corpus, Clients: c.Clients, Duration: c.Duration, DB: g.DB, DataDir: dataDir,
		URL: c.URL, Token: c.Token, Phases: c.Phases, CPUProfile: c.CPUProfile, Seed: c.Seed, Log: logger(g, os.Stderr),
	})
	if err != nil {
		return err
	}
	if c.JSON {
		return rep.WriteJSON(os.Stdout)
	}
	return rep.WriteTable(os.Stdout)
}
