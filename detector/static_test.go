// SPDX-License-Identifier: Apache-2.0

package detector

import (
	"context"
	"errors"
	"testing"
)

func TestStaticRotate(t *testing.T) {
	s, err := NewStatic("http://m1:5050", "https://m2:5051", "m3:5052")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var d Detector = s

	ids := []string{"m1:5050", "m2:5051", "m3:5052", "m1:5050"}
	schemes := []string{"http", "https", "", "http"}
	for i, want := range ids {
		mi, changed, err := d.Leader(ctx)
		if err != nil || mi.GetId() != want {
			t.Fatalf("step %d: Leader() = %v, %v; want %s", i, mi, err, want)
		}
		if got := Scheme(d, mi); got != schemes[i] {
			t.Fatalf("step %d: Scheme = %q, want %q", i, got, schemes[i])
		}
		// Reporting a master that is not the current one changes nothing.
		other := s.Masters()[(i+1)%3]
		Rotate(d, other)
		select {
		case <-changed:
			t.Fatalf("step %d: Rotate(not current) closed the channel", i)
		default:
		}
		if !Rotate(d, mi) {
			t.Fatal("Rotate on a Static reported false")
		}
		select {
		case <-changed:
		default:
			t.Fatalf("step %d: Rotate(current) did not close the channel", i)
		}
	}
}

func TestStaticSingle(t *testing.T) {
	s, err := NewStatic("master@10.0.0.1:5050")
	if err != nil {
		t.Fatal(err)
	}
	mi, changed, err := s.Leader(context.Background())
	if err != nil || mi.GetPid() != "master@10.0.0.1:5050" {
		t.Fatalf("Leader() = %v, %v", mi, err)
	}
	s.Rotate(mi)
	select {
	case <-changed:
		t.Fatal("Rotate with one master closed the channel")
	default:
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	select {
	case <-changed:
	default:
		t.Fatal("Close did not close the channel")
	}
	if _, _, err := s.Leader(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Leader() after Close = %v, want ErrClosed", err)
	}
}

func TestStaticErrors(t *testing.T) {
	if _, err := NewStatic(); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("NewStatic() = %v, want ErrInvalidSpec", err)
	}
	if _, err := NewStatic("m1:5050", "nope"); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("NewStatic(m1:5050, nope) = %v, want ErrInvalidSpec", err)
	}
}

func TestHelpersOnOtherDetectors(t *testing.T) {
	var d Detector = &ZK{}
	if Rotate(d, nil) {
		t.Error("Rotate on a ZK detector reported true")
	}
	if got := Scheme(d, nil); got != "" {
		t.Errorf("Scheme on a ZK detector = %q, want \"\"", got)
	}
}
