//go:build race

package chinchilla

const raceEnabled = true
