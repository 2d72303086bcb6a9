"""leakyolo.compare"""
