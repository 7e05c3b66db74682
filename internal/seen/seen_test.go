package seen

import (
	"strconv"
	"testing"
)

func TestAgainIsTrueFromTheSecondTime(t *testing.T) {
	s := New(8)
	if s.Again("a") {
		t.Fatal("a key met for the first time was reported as met before")
	}
	if !s.Again("a") || !s.Again("a") {
		t.Fatal("a key met before was reported as new")
	}
	if s.Again("b") {
		t.Fatal("another key was reported as met before")
	}
}

func TestTheSetIsBounded(t *testing.T) {
	s := New(4)
	for i := range 100 {
		s.Again(strconv.Itoa(i))
		if len(s.keys) > 4 {
			t.Fatalf("after %d keys the set holds %d, over its bound of 4", i+1, len(s.keys))
		}
	}
	if s.Again("0") {
		t.Error("a key forgotten when the set filled up was still reported as met")
	}
}
