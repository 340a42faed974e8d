// SPDX-License-Identifier: MIT

package main

import (
	"fmt"
	"sort"
	"strconv"
)

// runSummary reads the driver's results (lines "round server figure value"; server "floor" for the ping-pong
// floor) and prints, per figure in first-seen order, the median and min–max of each server over the rounds and
// the ratio of the medians, first / second server: kmsnative / kestrel unless two other names follow the file.
func runSummary(args []string) {
	if len(args) != 1 && len(args) != 3 {
		fail("usage: kmsbench summary results.tsv [server-a server-b]")
	}
	first, second := "kmsnative", "kestrel"
	if len(args) == 3 {
		first, second = args[1], args[2]
	}
	values, order, err := readResults(args[0])
	if err != nil {
		fail(err.Error())
	}
	median := func(xs []float64) float64 {
		s := append([]float64(nil), xs...)
		sort.Float64s(s)
		if len(s)%2 == 1 {
			return s[len(s)/2]
		}
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	cell := func(xs []float64) string {
		if len(xs) == 0 {
			return "-"
		}
		s := append([]float64(nil), xs...)
		sort.Float64s(s)
		return fmt.Sprintf("%s (%s–%s)", num(median(s)), num(s[0]), num(s[len(s)-1]))
	}
	title := map[string]string{"kmsnative": "KmsNative", "kestrel": "Kestrel"}
	label := func(name string) string {
		if t, ok := title[name]; ok {
			return t
		}
		return name
	}
	fmt.Printf("| figure | %s median (min–max) | %s median (min–max) | %s/%s |\n", label(first), label(second), label(first), label(second))
	fmt.Println("|---|---:|---:|---:|")
	for _, figure := range order {
		a, b := values[figure][first], values[figure][second]
		if floor := values[figure]["floor"]; len(floor) > 0 {
			fmt.Printf("| %s | %s | (same run, no server) | |\n", figure, cell(floor))
			continue
		}
		ratio := "-"
		if len(a) > 0 && len(b) > 0 && median(b) != 0 {
			ratio = fmt.Sprintf("%.2f×", median(a)/median(b))
		}
		fmt.Printf("| %s | %s | %s | %s |\n", figure, cell(a), cell(b), ratio)
	}
}

func num(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}
