// Package tuist is a build-time stand-in for the terminal UI library behind the
// Dagger CLI's interactive frontend. The Go module proxy reachable here does not
// serve that library, so this stand-in only satisfies the compiler: the
// interactive ("pretty") frontend renders nothing; the plain frontend, which the
// test bed uses, is unaffected.
package tuist

import (
	"io"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
)

// Context is what a component renders into.
type Context struct {
	Width, Height int
}

func (Context) ScreenHeight() int                  { return 0 }
func (Context) Lines(...string)                    {}
func (Context) Line(string)                        {}
func (Context) SetFocus(Component)                 {}
func (c Context) Resize(width, height int) Context { return Context{Width: width, Height: height} }

type Component interface{}
type Focusable interface{}
type Dismounter interface{}
type Interactive interface{}
type Mounter interface{}
type MouseEnabled interface{}
type Hoverable interface{}

// RenderResult is a rendered child.
type RenderResult struct {
	Lines []string
}

// Compo is embedded by every component.
type Compo struct{}

func (*Compo) Update()                                           {}
func (*Compo) RenderChild(Context, Component)                    {}
func (*Compo) RenderChildResult(Context, Component) RenderResult { return RenderResult{} }
func (*Compo) RenderChildInline(Context, Component) string       { return "" }

type MouseEvent struct {
	uv.MouseEvent
	Row, Col int
}

type Completion struct {
	Label, Detail, Documentation string
}

type CompletionResult struct {
	Items       []Completion
	ReplaceFrom int
}

type CompletionMenu struct{ Compo }

func (*CompletionMenu) HandleKeyPress(Context, uv.KeyPressEvent) bool { return false }

type Spinner struct {
	Compo
	Epoch time.Time
}

type Container struct {
	Compo
	Children []Component
}

func (c *Container) AddChild(x Component)    { c.Children = append(c.Children, x) }
func (c *Container) RemoveChild(x Component) {}

type TextInput struct {
	Compo
	Prompt         string
	OnSubmit       func(Context, string) bool
	KeyInterceptor func(Context, uv.KeyPressEvent) bool
	value          string
}

func (t *TextInput) Value() string     { return t.value }
func (t *TextInput) SetValue(v string) { t.value = v }
func (t *TextInput) InsertRune(r rune) { t.value += string(r) }

type TUI struct{ Container }

func (*TUI) SetFocus(Component)                                    {}
func (*TUI) SetShowHardwareCursor(bool)                            {}
func (*TUI) Start() error                                          { return nil }
func (*TUI) Stop()                                                 {}
func (*TUI) RenderLines() []string                                 { return nil }
func (*TUI) SetDebugWriter(io.Writer)                              {}
func (*TUI) RequestRender(bool)                                    {}
func (*TUI) Dispatch(fn func())                                    { fn() }
func (*TUI) ShowOverlay(Component, *OverlayOptions) *OverlayHandle { return &OverlayHandle{} }
func (*TUI) Exec(fn func(in io.Reader, out io.Writer, errOut io.Writer) error) error {
	return fn(nil, io.Discard, io.Discard)
}

type OverlayHandle struct{}

func (*OverlayHandle) Remove() {}

type Size int
type Anchor int

type OverlayMargin struct{ Top, Right, Bottom, Left int }

type OverlayOptions struct {
	Width  Size
	Anchor Anchor
	Margin OverlayMargin
}

const AnchorTopRight Anchor = 0

type Terminal interface{}

func SizeAbs(n int) Size             { return Size(n) }
func New(Terminal) *TUI              { return &TUI{} }
func NewStdTerminal() Terminal       { return nil }
func NewSpinner() *Spinner           { return &Spinner{} }
func NewTextInput(string) *TextInput { return &TextInput{} }
func NewCompletionMenu(*TextInput, func(string, int) CompletionResult) *CompletionMenu {
	return &CompletionMenu{}
}
