package plot

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
)

// Skipped is a figure kind RenderAll did not draw, and why.
type Skipped struct {
	Kind   Kind
	Reason string
}

// RenderAll draws every figure kind the input supports into dir as "<kind>.<ext>"
// (ext "png", "svg" or "pdf"; "" means png). It returns the files written, in the order
// of Kinds, and the kinds skipped because the data cannot support them (curves without a
// run column, isoflop without a usable budget, ...). Only a failure to draw or write a
// figure is an error; dir must exist.
func RenderAll(dir string, in *Input, ext string) (written []string, skipped []Skipped, err error) {
	if ext == "" {
		ext = "png"
	}
	if _, err := Format("x." + ext); err != nil {
		return nil, nil, fmt.Errorf("figure format %q: want png, svg or pdf", ext)
	}
	for _, k := range Kinds {
		f, err := Build(k, in)
		if err != nil {
			var u *Unsupported
			if errors.As(err, &u) {
				skipped = append(skipped, Skipped{Kind: k, Reason: u.Reason})
				continue
			}
			return written, skipped, err
		}
		path := filepath.Join(dir, string(k)+"."+ext)
		if err := f.Save(path); err != nil {
			return written, skipped, err
		}
		written = append(written, path)
	}
	return written, skipped, nil
}

// SVG draws the figure of the given kind as an SVG document, for pages that inline their
// figures (report.html). It fails as Build does, with *Unsupported when the data cannot
// support the kind.
func SVG(kind Kind, in *Input) ([]byte, error) {
	f, err := Build(kind, in)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := f.WriteTo(&b, "svg"); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
