// SPDX-License-Identifier: MIT

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// runBudget holds a run's figures to their budgets, as bench/allocation-budgets.json does for allocations: the
// budgets file maps server → figure → the most it may reach (a measurement plus a margin, with a note saying which).
// Every value of a figure in the results must be at or under its budget; a budgeted figure missing from the results
// fails too, so a renamed figure cannot pass by not being measured.
func runBudget(args []string) {
	if len(args) != 2 {
		fail("usage: kmsbench budget results.tsv budgets.json")
	}
	raw, err := os.ReadFile(args[1])
	if err != nil {
		fail(err.Error())
	}
	var file struct {
		Budgets map[string]map[string]float64 `json:"budgets"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		fail(fmt.Sprintf("%s: %v", args[1], err))
	}
	if len(file.Budgets) == 0 {
		fail(args[1] + ": no budgets")
	}
	measured, _, err := readResults(args[0])
	if err != nil {
		fail(err.Error())
	}
	var servers []string
	for server := range file.Budgets {
		servers = append(servers, server)
	}
	sort.Strings(servers)
	failed := false
	for _, server := range servers {
		var figures []string
		for figure := range file.Budgets[server] {
			figures = append(figures, figure)
		}
		sort.Strings(figures)
		for _, figure := range figures {
			limit := file.Budgets[server][figure]
			values := measured[figure][server]
			verdict := "ok"
			switch {
			case len(values) == 0:
				verdict = "NOT MEASURED"
				failed = true
			case maxOf(values) > limit:
				verdict = "OVER BUDGET"
				failed = true
			}
			fmt.Printf("%-18s %-26s max %8.2f  budget %8.2f  %s\n", server, figure, maxOf(values), limit, verdict)
		}
	}
	if failed {
		fmt.Fprintf(os.Stderr, "kmsbench: figures over their budget in %s (or not measured); see docs/performance.md\n", args[1])
		os.Exit(1)
	}
}

// readResults reads "round server figure value" lines ('#' lines and lines without a number are skipped) into
// figure → server → values, with the figures in first-seen order.
func readResults(path string) (map[string]map[string][]float64, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	values := map[string]map[string][]float64{}
	var order []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		parts := strings.Fields(scanner.Text())
		if len(parts) != 4 || strings.HasPrefix(parts[0], "#") {
			continue
		}
		v, err := strconv.ParseFloat(parts[3], 64)
		if err != nil {
			continue
		}
		server, figure := parts[1], parts[2]
		if values[figure] == nil {
			values[figure] = map[string][]float64{}
			order = append(order, figure)
		}
		values[figure][server] = append(values[figure][server], v)
	}
	return values, order, scanner.Err()
}

func maxOf(xs []float64) float64 {
	m := 0.0
	for i, x := range xs {
		if i == 0 || x > m {
			m = x
		}
	}
	return m
}
