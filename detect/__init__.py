"""leakyolo.detect"""
