// Package teav1 is a build-time stand-in; see package tuist.
package teav1

type Wrap struct{}

func New(any) *Wrap         { return &Wrap{} }
func (*Wrap) OnQuit(func()) {}
