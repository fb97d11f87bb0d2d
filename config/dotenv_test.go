package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joho/godotenv"
)

func TestDotenvErrorsSayWhereAndWhatButNotTheContents(t *testing.T) {
	const secret = "correct-horse-battery-staple"
	cases := []struct {
		name    string
		dotenv  string
		line    int
		setting string
		problem string
	}{
		{"unterminated double quote on the passphrase", "QUANTDECK_EXCHANGE=sim\n\nQUANTDECK_VAULT_PASSPHRASE=\"" + secret + "\nQUANTDECK_SYMBOLS=BTCUSDT\n", 3, EnvVaultPassphrase, dotenvUnterminated},
		{"unterminated single quote after a multi-line value", "# settings\nA=\"one\ntwo\"\nexport QUANTDECK_API_TOKEN='" + secret + "\n", 4, EnvAPIToken, dotenvUnterminated},
		{"unterminated quote on a name of the user's own", "MY_SECRET=\"" + secret + "\n", 1, "", dotenvUnterminated},
		{"a pasted secret without a name", "QUANTDECK_EXCHANGE=sim\r\n" + secret + "\r\nQUANTDECK_HOME=/x\r\n", 2, "", dotenvBadName},
		{"a name with a dash", "QUANTDECK_EXCHANGE=sim\nMY-PASS=" + secret + "\n", 2, "", dotenvBadName},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := testSource(t, map[string]string{}, c.dotenv, 0o600)
			_, _, err := src.Load()
			var de *DotenvError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a DotenvError", err)
			}
			if de.Line != c.line || de.Setting != c.setting || de.Problem != c.problem {
				t.Errorf("line %d setting %q problem %q, want line %d setting %q problem %q", de.Line, de.Setting, de.Problem, c.line, c.setting, c.problem)
			}
			msg := err.Error()
			if !strings.Contains(msg, filepath.Join(src.Dir, ".env")) || !strings.Contains(msg, "line ") {
				t.Errorf("message %q does not name the file and the line", msg)
			}
			for _, part := range []string{secret, "horse", "staple"} {
				if strings.Contains(msg, part) {
					t.Errorf("message %q quotes the file (%q)", msg, part)
				}
			}
		})
	}
}

// secretWindows are the byte sequences a .env assigns: every run of secretWindow bytes of every
// value (a line that is not NAME=value counts whole: it may be a pasted secret) that does not
// also occur in allowed. An error about the file must repeat none of them.
const secretWindow = 6

func secretWindows(dotenv, allowed string) []string {
	var out []string
	for _, line := range strings.FieldsFunc(dotenv, func(r rune) bool { return r == '\n' || r == '\r' }) {
		_, value, ok := strings.Cut(line, "=")
		if !ok {
			value = line
		}
		for i := 0; i+secretWindow <= len(value); i++ {
			if w := value[i : i+secretWindow]; !strings.Contains(allowed, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// FuzzDotenvProblemAgreesWithGodotenv keeps locateDotenvProblem in step with the parser it
// explains: it finds a problem exactly when godotenv refuses the file, and a line inside it.
func FuzzDotenvProblemAgreesWithGodotenv(f *testing.F) {
	for _, s := range []string{
		"A=1\n", "A=\"x\n", "export A='x\ny'\nB=\"", "A B\n", "#c\nA=1 # c\n\"x\"=1\n", "A:1\r\nB=\"\\\"\n",
		"export\tA=1", "A", "A=\"x\"y\"\n", "\xa0A=1", "é=1\n", "A=\rB=\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, dotenv string) {
		_, err := godotenv.UnmarshalBytes([]byte(dotenv))
		line, _, problem := locateDotenvProblem([]byte(dotenv))
		if (err != nil) != (problem != "") {
			t.Fatalf("godotenv: %v; locate: line %d %q", err, line, problem)
		}
		if problem != "" && (line < 1 || line > strings.Count(dotenv, "\n")+1) {
			t.Fatalf("line %d outside a file of %d lines", line, strings.Count(dotenv, "\n")+1)
		}
	})
}
