// Package ecoindex computes the EcoIndex of a page: an eco-design score
// from 0 to 100, a grade from A to G, and the greenhouse gas and water one
// view of the page costs.
//
// The method is the one published by its authors, the collective GreenIT.fr
// and the EcoIndex project (https://www.ecoindex.fr/comment-ca-marche/,
// "Comment ça marche"): each of three measures of a page (the number of DOM
// elements, the number of requests, the weight transferred in KB) is placed
// on a table of 21 quantiles drawn from a sample of real pages, and the
// three positions are weighted 3, 2 and 1. This package is vigie's own
// implementation of that published method, written from its description;
// the credit for the method and its tables goes to its authors.
//
// It does no I/O and reads no clock: the page-load probe measures, this
// package only computes.
package ecoindex

import (
	"fmt"
	"math"
)

// The quantile tables of the published method: the bounds of the 20
// intervals on which each measure is placed (the sample's 0th to 100th
// percentiles, every 5 %).
var (
	domQuantiles = [21]float64{
		0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603,
		674, 753, 843, 949, 1076, 1237, 1459, 1801, 2479, 594601,
	}
	requestQuantiles = [21]float64{
		0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78,
		86, 95, 105, 117, 130, 147, 170, 205, 281, 3920,
	}
	sizeQuantiles = [21]float64{ // in KB (1 KB = 1024 bytes)
		0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47, 1448.32,
		1648.27, 1876.08, 2142.06, 2465.37, 2866.31, 3401.59, 4155.73, 5400.08, 8037.54, 223212.26,
	}
)

// Weights of the three measures in the score (published method).
const (
	domWeight     = 3
	requestWeight = 2
	sizeWeight    = 1
)

// Result is the EcoIndex of one page, with the measures it comes from.
type Result struct {
	// DOMElements is the number of elements of the page's document
	// once loaded (the measure the method calls "DOM").
	DOMElements int `json:"dom_elements"`
	// Requests is the number of HTTP requests the page made.
	Requests int `json:"requests"`
	// SizeKB is the weight transferred, in KB of 1024 bytes.
	SizeKB float64 `json:"size_kb"`
	// Score is the EcoIndex, from 0 (worst) to 100 (best), rounded to
	// the nearest integer as the method publishes it.
	Score int `json:"score"`
	// Exact is the score before rounding.
	Exact float64 `json:"exact"`
	// Grade is the letter of the score, "A" (best) to "G".
	Grade string `json:"grade"`
	// GHG is the greenhouse gas one view emits, in grams of CO2
	// equivalent (gCO2e).
	GHG float64 `json:"ghg_gco2e"`
	// Water is the water one view consumes, in centilitres.
	Water float64 `json:"water_cl"`
}

// Compute returns the EcoIndex of a page of dom elements, requests
// requests and bytes bytes transferred. Negative measures count as 0.
func Compute(dom, requests int, bytes int64) Result {
	dom, requests = max(dom, 0), max(requests, 0)
	kb := float64(max(bytes, 0)) / 1024
	return computeKB(dom, requests, kb)
}

// ComputeKB is Compute with the weight given in KB, as the method's
// published examples give it.
func ComputeKB(dom, requests int, kb float64) Result {
	return computeKB(max(dom, 0), max(requests, 0), math.Max(kb, 0))
}

func computeKB(dom, requests int, kb float64) Result {
	qDOM := quantile(&domQuantiles, float64(dom))
	qReq := quantile(&requestQuantiles, float64(requests))
	qSize := quantile(&sizeQuantiles, kb)
	exact := 100 - 5*(domWeight*qDOM+requestWeight*qReq+sizeWeight*qSize)/6
	exact = math.Max(0, math.Min(100, exact))
	score := int(math.Round(exact))
	return Result{
		DOMElements: dom,
		Requests:    requests,
		SizeKB:      round2(kb),
		Score:       score,
		Exact:       round2(exact),
		Grade:       Grade(exact),
		GHG:         round2(GHG(exact)),
		Water:       round2(Water(exact)),
	}
}

// quantile places v on the table q: the index of the interval it falls
// in plus its position inside it, linearly (0 to 20). A value past the
// last bound is 20.
func quantile(q *[21]float64, v float64) float64 {
	for i := 1; i < len(q); i++ {
		if v < q[i] {
			return float64(i-1) + (v-q[i-1])/(q[i]-q[i-1])
		}
	}
	return float64(len(q) - 1)
}

// gradeBounds are the lower bounds (exclusive) of grades A to F; a score
// of 10 or less is G.
var gradeBounds = [...]struct {
	grade string
	above float64
}{
	{"A", 80}, {"B", 70}, {"C", 55}, {"D", 40}, {"E", 25}, {"F", 10},
}

// Grade returns the letter of an EcoIndex score: A above 80, B above 70,
// C above 55, D above 40, E above 25, F above 10, G otherwise.
func Grade(score float64) string {
	for _, b := range gradeBounds {
		if score > b.above {
			return b.grade
		}
	}
	return "G"
}

// GHG returns the greenhouse gas of one view of a page of that score, in
// gCO2e: 2 + 2 × (50 − score) / 100 (published method).
func GHG(score float64) float64 { return 2 + 2*(50-score)/100 }

// Water returns the water of one view of a page of that score, in
// centilitres: 3 + 3 × (50 − score) / 100 (published method).
func Water(score float64) float64 { return 3 + 3*(50-score)/100 }

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// String returns the score and the grade ("72 (B)").
func (r Result) String() string { return fmt.Sprintf("%d (%s)", r.Score, r.Grade) }

// Credit is the attribution of the method, for reports and the
// methodology.
var Credit = struct{ FR, EN string }{
	FR: "EcoIndex : méthode publiée par GreenIT.fr et le projet EcoIndex (ecoindex.fr), implémentée par vigie d'après sa description.",
	EN: "EcoIndex: method published by GreenIT.fr and the EcoIndex project (ecoindex.fr), implemented by vigie from its description.",
}
