package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/plot"
)

// FigureDir says where a verb writes its figures: into Dir as NAME.Ext (png, svg or pdf;
// "" is png). With SVG set (a report) each figure's SVG is kept too, for report.html.
type FigureDir struct {
	Dir string
	Ext string
	SVG bool
}

// check refuses a figure format that is not png, svg or pdf (flag names the option).
func (d FigureDir) check(flag string) error {
	if d.Dir == "" {
		return nil
	}
	if _, err := plot.Format("x." + d.ext()); err != nil {
		return Usagef("%s %q: want png, svg or pdf", flag, d.Ext)
	}
	return nil
}

func (d FigureDir) ext() string {
	if d.Ext == "" {
		return "png"
	}
	return d.Ext
}

// FigureFile is a figure a Result wrote: its block (File relative to the document when
// written into a report, else the path) and its SVG when asked for.
type FigureFile struct {
	doc.Figure
	SVG []byte
}

// Figurer is implemented by Results that write figures: report links them, inlines their
// SVG in report.html and owns their files.
type Figurer interface {
	Figures() []FigureFile
}

// save writes the figures into d (creating the directory) and returns them, captioned.
func (d FigureDir) save(figs []plot.NamedFigure, caption func(name string) string) ([]FigureFile, error) {
	if d.Dir == "" || len(figs) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(d.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", d.Dir, err)
	}
	var out []FigureFile
	for _, f := range figs {
		file := f.Name + "." + d.ext()
		path := filepath.Join(d.Dir, file)
		if err := f.Save(path); err != nil {
			return nil, err
		}
		ff := FigureFile{Figure: doc.Figure{Name: f.Name, File: path, Caption: caption(f.Name)}}
		if d.SVG {
			ff.File = file
			var svg bytes.Buffer
			if err := f.WriteTo(&svg, "svg"); err != nil {
				return nil, err
			}
			ff.SVG = svg.Bytes()
		}
		out = append(out, ff)
	}
	return out, nil
}
