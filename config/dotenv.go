package config

import (
	"bytes"
	"fmt"
	"os"
	"unicode"

	"github.com/joho/godotenv"
)

// DotenvError says where and how a .env file does not parse. It never holds the file's
// contents: a .env carries the vault passphrase and the API token, and the parser's own errors
// quote the text around the problem (an unterminated quote quotes the value it opened).
type DotenvError struct {
	Path    string
	Line    int    // 1-based; 0 when the line could not be found
	Setting string // the setting the line defines, only when it is one of QuantDeck's own names
	Problem string // one of the dotenv* messages below
}

// What can be wrong with a line. Fixed text: nothing from the file goes into them.
const (
	dotenvBadName      = "expected NAME=value (a name holds only letters, digits, '_' and '.')"
	dotenvUnterminated = "a quoted value is opened but never closed (add the closing quote)"
	dotenvUnknown      = "the file does not parse"
)

func (e *DotenvError) Error() string {
	where := "somewhere"
	if e.Line > 0 {
		where = fmt.Sprintf("line %d", e.Line)
	}
	if e.Setting != "" {
		where += " (" + e.Setting + ")"
	}
	return fmt.Sprintf("config: %s, %s: %s; the line's contents are not shown because it may hold a secret", e.Path, where, e.Problem)
}

// readDotenv parses a .env file with godotenv and, when it does not parse, replaces godotenv's
// error (which quotes the file) with a DotenvError.
func readDotenv(path string) (map[string]string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	m, err := godotenv.UnmarshalBytes(src)
	if err == nil {
		return m, nil
	}
	line, setting, problem := locateDotenvProblem(src)
	if problem == "" {
		problem = dotenvUnknown
	}
	return nil, &DotenvError{Path: path, Line: line, Setting: setting, Problem: problem}
}

// locateDotenvProblem walks src statement by statement the way godotenv v1.5.1 does (comments
// and blank lines, an optional "export", a name up to '=' or ':', then a quoted or unquoted
// value) and reports the line of the first statement godotenv would refuse and why. godotenv
// says neither where nor, without quoting the file, what. FuzzDotenvProblemAgreesWithGodotenv
// keeps this walk and godotenv in step. problem is "" when the file parses.
func locateDotenvProblem(src []byte) (line int, setting, problem string) {
	src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	lineAt := func(pos int) int { return bytes.Count(src[:pos], []byte("\n")) + 1 }
	pos := 0
	for {
		i := bytes.IndexFunc(src[pos:], func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			return 0, "", ""
		}
		pos += i
		if src[pos] == '#' {
			j := bytes.IndexByte(src[pos:], '\n')
			if j < 0 {
				return 0, "", ""
			}
			pos += j
			continue
		}
		start := pos
		if rest := src[pos:]; bytes.HasPrefix(rest, []byte("export")) && bytes.IndexFunc(rest[len("export"):], dotenvSpace) == 0 {
			pos += len("export")
			pos = len(src) - len(bytes.TrimLeftFunc(src[pos:], dotenvSpace))
		}
		nameStart, valueAt := pos, -1
		for ; pos < len(src); pos++ {
			b := src[pos]
			if dotenvSpace(rune(b)) || b == '_' {
				continue
			}
			if b == '=' || b == ':' {
				valueAt = pos + 1
				break
			}
			// godotenv ranges over bytes here, so a byte is judged as the rune of its value.
			if unicode.IsLetter(rune(b)) || unicode.IsNumber(rune(b)) || b == '.' {
				continue
			}
			return lineAt(pos), "", dotenvBadName
		}
		if valueAt < 0 {
			// A last line without '=' is taken by godotenv as a value with an empty name.
			return 0, "", ""
		}
		name := string(bytes.TrimFunc(src[nameStart:valueAt-1], unicode.IsSpace))
		pos = len(src) - len(bytes.TrimLeftFunc(src[valueAt:], dotenvSpace))
		if pos < len(src) && (src[pos] == '"' || src[pos] == '\'') {
			q, closed := src[pos], -1
			for k := pos + 1; k < len(src); k++ {
				if src[k] == q && src[k-1] != '\\' {
					closed = k
					break
				}
			}
			if closed < 0 {
				if !known[name] {
					name = ""
				}
				return lineAt(start), name, dotenvUnterminated
			}
			pos = closed + 1
			continue
		}
		j := bytes.IndexFunc(src[pos:], func(r rune) bool { return r == '\n' || r == '\r' })
		if j < 0 {
			return 0, "", ""
		}
		pos += j
	}
}

// dotenvSpace is godotenv's notion of a space: blank but not a line break.
func dotenvSpace(r rune) bool {
	switch r {
	case '\t', '\v', '\f', '\r', ' ', 0x85, 0xA0:
		return true
	}
	return false
}
