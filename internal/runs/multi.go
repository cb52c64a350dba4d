package runs

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LoadFiles reads runs from several inputs: files, directories (every .csv, .tsv, .txt,
// .jsonl, .ndjson and .json file in them, by name) and globs ("runs/*.csv"); "-" is stdin.
// With more than one file, or a directory or glob, a file without a run column gives each
// of its rows the file's stem as run id ("runs/190M-1xC.csv" -> "190M-1xC"), and files with
// different columns are aligned by header name (a column a file lacks is empty there).
func LoadFiles(paths []string, stdin io.Reader, opts Options) (*Set, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no input: give a runs file, a directory or a glob")
	}
	files, multi, err := expandPaths(paths)
	if err != nil {
		return nil, err
	}
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	var tables []*table
	defer func() { closeAll(tables) }()
	for _, f := range files {
		var in *input
		name := f
		if f == "-" {
			name = "<stdin>"
			in, err = openReader(stdin, name)
		} else {
			in, err = openPath(f, f)
		}
		if err != nil {
			if os.IsNotExist(err) || os.IsPermission(err) {
				return nil, fmt.Errorf("cannot read runs: %w", err)
			}
			return nil, wrapIO(name, err)
		}
		t, err := openTable(in, opts.Format)
		if err != nil {
			return nil, wrapIO(name, err)
		}
		t.stem = fileStem(f)
		tables = append(tables, t)
	}
	source := files[0]
	if files[0] == "-" {
		source = "<stdin>"
	}
	if multi {
		shown := make([]string, 0, 3)
		for i, p := range paths {
			if i == 2 && len(paths) > 3 {
				shown = append(shown, "...")
				break
			}
			shown = append(shown, filepath.Clean(p))
		}
		source = fmt.Sprintf("%s (%d files)", strings.Join(shown, " "), len(files))
	}
	return build(tables, source, multi, opts)
}

// expandPaths turns the arguments into files. multi reports several files, a directory or
// a glob: inputs whose files are one run each.
func expandPaths(paths []string) (files []string, multi bool, err error) {
	for _, p := range paths {
		if p == "-" {
			files = append(files, p)
			continue
		}
		fi, statErr := os.Stat(p)
		switch {
		case statErr == nil && fi.IsDir():
			multi = true
			ents, err := os.ReadDir(p)
			if err != nil {
				return nil, false, fmt.Errorf("cannot read runs: %w", err)
			}
			var in []string
			links := 0
			for _, e := range ents {
				if !hasDataExt(e.Name()) || strings.HasPrefix(e.Name(), ".") {
					continue
				}
				f := filepath.Join(p, e.Name())
				if e.Type()&fs.ModeSymlink != 0 { // a link to a regular file is one
					links++
					if fi, err := os.Stat(f); err != nil || !fi.Mode().IsRegular() {
						continue
					}
				} else if !e.Type().IsRegular() {
					continue
				}
				in = append(in, f)
			}
			if len(in) == 0 {
				more := ""
				if links > 0 {
					more = fmt.Sprintf("; %d symbolic link(s) lead to no regular file", links)
				}
				return nil, false, fmt.Errorf("%s: a directory with no runs files (%s)%s", p, strings.Join(dataExts, ", "), more)
			}
			sort.Strings(in)
			files = append(files, in...)
		case statErr == nil:
			files = append(files, p)
		case strings.ContainsAny(p, "*?["):
			multi = true
			m, err := filepath.Glob(p)
			if err != nil {
				return nil, false, fmt.Errorf("%s: bad glob: %w", p, err)
			}
			var in []string
			for _, f := range m {
				if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
					in = append(in, f)
				}
			}
			if len(in) == 0 {
				return nil, false, fmt.Errorf("%s: the glob matches no file", p)
			}
			files = append(files, in...)
		default:
			return nil, false, fmt.Errorf("cannot read runs: %w", statErr)
		}
	}
	seen := map[string]bool{}
	for _, f := range files {
		if f != "-" && seen[f] {
			return nil, false, fmt.Errorf("%s: given twice (its runs would count double)", f)
		}
		seen[f] = true
	}
	if len(files) > 1 {
		multi = true
	}
	return files, multi, nil
}

func hasDataExt(name string) bool {
	n := strings.ToLower(name)
	for _, e := range dataExts {
		if strings.HasSuffix(n, e) {
			return true
		}
	}
	return false
}

// closeAll releases the inputs of tables (after they are read, or when loading fails).
func closeAll(tables []*table) {
	for _, t := range tables {
		t.close()
	}
}
